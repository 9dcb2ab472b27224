namespace ALoRA.Docs.Tests;

/// <summary>The repository's own text files: sources, docs, manifests, scripts (no build output, no vendored files).</summary>
public static class RepositoryFiles
{
    private static readonly string[] SkippedFolders = ["bin", "obj", ".git", "runs", "logs", "node_modules", "Protos", "TestResults"];
    private static readonly string[] TextExtensions = [".cs", ".md", ".yaml", ".yml", ".json", ".sh", ".csproj", ".props", ".py"];

    /// <summary>The repository root (the folder of <c>ALoRA.Orleans.sln</c>).</summary>
    public static string Root => RepositoryPaths.Root;

    /// <summary>Every text file, as a path relative to <see cref="Root"/> with <c>/</c> separators.</summary>
    public static IReadOnlyList<string> All { get; } = Walk(Root).Order(StringComparer.Ordinal).ToList();

    /// <summary>The Markdown files.</summary>
    public static IEnumerable<string> Markdown => All.Where(f => f.EndsWith(".md", StringComparison.Ordinal));

    /// <summary>Files other than Markdown: code, manifests, scripts, project files.</summary>
    public static IEnumerable<string> NonMarkdown => All.Where(f => !f.EndsWith(".md", StringComparison.Ordinal));

    /// <summary>The text of a file given relative to the root.</summary>
    public static string Read(string relative) => File.ReadAllText(Path.Combine(Root, relative));

    /// <summary>True when <paramref name="relative"/> (relative to the root) is a file or folder of the repository.</summary>
    public static bool Exists(string relative)
    {
        var full = Path.GetFullPath(Path.Combine(Root, relative));
        return full.StartsWith(Root, StringComparison.Ordinal) && (File.Exists(full) || Directory.Exists(full));
    }

    private static IEnumerable<string> Walk(string root)
    {
        var pending = new Stack<string>([root]);
        while (pending.Count > 0)
        {
            var folder = pending.Pop();
            foreach (var sub in Directory.EnumerateDirectories(folder))
            {
                if (!SkippedFolders.Contains(Path.GetFileName(sub)))
                {
                    pending.Push(sub);
                }
            }

            foreach (var file in Directory.EnumerateFiles(folder))
            {
                var name = Path.GetFileName(file);
                if (TextExtensions.Contains(Path.GetExtension(file)) || name == "Makefile" || name == "Dockerfile" || name.StartsWith("Dockerfile.", StringComparison.Ordinal))
                {
                    yield return Path.GetRelativePath(root, file).Replace('\\', '/');
                }
            }
        }
    }
}
