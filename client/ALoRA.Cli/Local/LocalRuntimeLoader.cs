using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace ALoRA.Cli.Local;

/// <summary>
/// Loads ALoRA.Cli.Local (the grains, the TorchSharp engine and their packages) by name from the folder <c>alora</c>
/// runs from, the first time <c>train</c>, <c>score</c>, <c>demo</c>, <c>doctor</c> or <c>--local</c> needs it. The
/// thin <c>alora</c> assembly does not reference it and its deps.json does not list it (the cluster commands load no
/// TorchSharp), so its assemblies and native libraries are resolved here: through ALoRA.Cli.Local.deps.json when
/// the build copied it next to <c>alora</c> (ALoRA.Cli.Local.csproj does), else by probing the folder and its
/// <c>runtimes/&lt;rid&gt;/native</c> subfolders. They load into the default context, so the Orleans and contract types
/// they share with <c>alora</c> are the same types.
/// </summary>
/// <param name="folder">Where to look (the <c>alora</c> folder in production).</param>
internal sealed class LocalRuntimeLoader(string folder) : ILocalRuntimeProvider
{
    /// <summary>The local runtime's assembly name.</summary>
    public const string AssemblyName = "ALoRA.Cli.Local";

    /// <summary>The class implementing <see cref="ILocalRuntime"/> in it.</summary>
    public const string TypeName = "ALoRA.Cli.Local.LocalRuntime";

    private readonly Lock _lock = new();
    private ILocalRuntime? _runtime;

    /// <summary>Loads from the folder of the running application.</summary>
    public LocalRuntimeLoader()
        : this(AppContext.BaseDirectory)
    {
    }

    /// <inheritdoc />
    public ILocalRuntime? Loaded => _runtime;

    /// <inheritdoc />
    public ILocalRuntime Runtime
    {
        get
        {
            lock (_lock)
            {
                return _runtime ??= Load();
            }
        }
    }

    private ILocalRuntime Load()
    {
        var path = Path.Combine(folder, AssemblyName + ".dll");
        if (!File.Exists(path))
        {
            throw new LocalRuntimeUnavailableException(
                $"this command hosts a silo or trains in this process and needs {AssemblyName}.dll next to alora ({folder}); " +
                "build the whole solution (make build) or use a cluster (--gateway HOST:PORT)");
        }

        var resolver = File.Exists(Path.ChangeExtension(path, ".deps.json")) ? new AssemblyDependencyResolver(path) : null;
        var context = AssemblyLoadContext.Default;
        context.Resolving += (ctx, name) => ManagedPath(resolver, name) is { } p ? ctx.LoadFromAssemblyPath(p) : null;
        context.ResolvingUnmanagedDll += (_, name) =>
            NativePath(resolver, name) is { } p && NativeLibrary.TryLoad(p, out var handle) ? handle : IntPtr.Zero;
        try
        {
            var assembly = context.LoadFromAssemblyPath(path);
            var type = assembly.GetType(TypeName, throwOnError: true)!;
            return (ILocalRuntime)Activator.CreateInstance(type)!;
        }
        catch (Exception ex) when (ex is FileLoadException or BadImageFormatException or TypeLoadException or TargetInvocationException or InvalidCastException)
        {
            throw new LocalRuntimeUnavailableException($"{path} does not load ({ex.GetType().Name}: {ex.Message}); rebuild the solution (make build)", ex);
        }
    }

    private string? ManagedPath(AssemblyDependencyResolver? resolver, AssemblyName name)
    {
        if (resolver?.ResolveAssemblyToPath(name) is { } resolved)
        {
            return resolved;
        }

        var candidate = Path.Combine(folder, name.Name + ".dll");
        return File.Exists(candidate) ? candidate : null;
    }

    private string? NativePath(AssemblyDependencyResolver? resolver, string name)
    {
        if (resolver?.ResolveUnmanagedDllToPath(name) is { } resolved)
        {
            return resolved;
        }

        var (prefix, suffix) = OperatingSystem.IsWindows() ? ("", ".dll") : OperatingSystem.IsMacOS() ? ("lib", ".dylib") : ("lib", ".so");
        var names = new[] { name, name + suffix, prefix + name + suffix };
        var folders = new[]
        {
            folder,
            Path.Combine(folder, "runtimes", RuntimeInformation.RuntimeIdentifier, "native"),
            Path.Combine(folder, "runtimes", $"{(OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux")}-{RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant()}", "native"),
        };
        return folders.SelectMany(f => names.Select(n => Path.Combine(f, n))).FirstOrDefault(File.Exists);
    }
}
