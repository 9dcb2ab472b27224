namespace ALoRA.Sweeps;

/// <summary>
/// Keeps a spec's <c>model</c> and <c>data</c> folders under the folders a cluster reads from (<c>Alora:Silo:AllowedRoots</c>;
/// docs/security.md). A path is resolved as the trainers read it (<see cref="SweepSpec.ResolvePath"/>), then every symbolic
/// link along it is followed (what <c>realpath</c> does), so neither <c>..</c> nor a link leads out. A path outside is
/// refused with the same message whether or not it exists, so errors do not reveal what exists on the silo.
/// </summary>
public static class AllowedRoots
{
    private const int MaxLinks = 40;

    /// <summary>
    /// The problems of <paramref name="spec"/>'s paths: one per <c>model</c> or <c>data</c> path that is not under one of
    /// <paramref name="roots"/> (absolute folders), naming the field and <paramref name="setting"/>; empty when both are inside.
    /// </summary>
    public static IReadOnlyList<SpecError> Check(SweepSpec spec, IReadOnlyList<string> roots, string setting)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(roots);
        var real = roots.Select(r => RealPath(Path.GetFullPath(r))).ToList();
        var errors = new List<SpecError>();
        foreach (var (key, path) in new[] { ("model", spec.Model), ("data", spec.Data) })
        {
            if (!IsUnder(RealPath(Path.GetFullPath(spec.ResolvePath(path))), real))
            {
                var (line, column) = spec.Locations.TryGetValue(key, out var at) ? at : (0, 0);
                errors.Add(new SpecError(key, line, column, $"{key} '{path}' is not under the folders this cluster reads from ({setting})"));
            }
        }

        return errors;
    }

    /// <summary>Throws when <see cref="Check"/> finds a problem.</summary>
    /// <exception cref="SweepSpecException">A path is outside the roots; lists every such path.</exception>
    public static void Ensure(SweepSpec spec, IReadOnlyList<string> roots, string setting)
    {
        var errors = Check(spec, roots, setting);
        if (errors.Count > 0)
        {
            throw new SweepSpecException(errors, spec.SourceName);
        }
    }

    /// <summary>
    /// <paramref name="path"/> (absolute) with every symbolic link along it followed, component by component, as the
    /// operating system does when it opens the path; a <c>..</c> after a link goes up from the link's target. Components
    /// that do not exist are kept as they are. A chain of more than 40 links resolves to no folder at all (empty).
    /// </summary>
    public static string RealPath(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var pending = new Stack<string>(Split(path).Reverse());
        var current = Path.GetPathRoot(path) is { Length: > 0 } root ? root : "/";
        var links = 0;
        while (pending.Count > 0)
        {
            var part = pending.Pop();
            if (part is "" or ".")
            {
                continue;
            }

            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }

            var next = Path.Join(current, part);
            FileSystemInfo entry = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            if (entry.LinkTarget is { } target)
            {
                if (++links > MaxLinks)
                {
                    return "";
                }

                foreach (var piece in Split(target).Reverse())
                {
                    pending.Push(piece);
                }

                if (Path.IsPathRooted(target))
                {
                    current = Path.GetPathRoot(target)!;
                }

                continue;
            }

            current = next;
        }

        return current;
    }

    private static bool IsUnder(string path, List<string> roots) =>
        path.Length > 0 && roots.Any(r => r.Length > 0
            && (string.Equals(path, r, StringComparison.Ordinal)
                || path.StartsWith(Path.EndsInDirectorySeparator(r) ? r : r + Path.DirectorySeparatorChar, StringComparison.Ordinal)));

    private static string[] Split(string path) => path.Split([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar]);
}
