using ALoRA.Grains.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Storage;
using Polly;

namespace ALoRA.Grains.Tests.Storage;

/// <summary>The storage contract, against <see cref="FileGrainStorage"/> on a temporary folder.</summary>
public sealed class FileGrainStorageContractTests : GrainStorageContract, IDisposable
{
    private readonly TempDirectory _root = new();

    public void Dispose() => _root.Dispose();

    protected override IGrainStorage NewStorage() => Storage();

    protected override async Task PutRawAsync(GrainId grain, string content)
    {
        var path = Storage().FilePath(StateName, grain);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, content);
    }

    protected override async Task<string?> GetRawAsync(GrainId grain)
    {
        var path = Storage().FilePath(StateName, grain);
        return File.Exists(path) ? await File.ReadAllTextAsync(path) : null;
    }

    protected override string Where(GrainId grain) => Storage().FilePath(StateName, grain);

    private FileGrainStorage Storage() =>
        new("test", new FileGrainStorageOptions { RootDirectory = _root.Path }, ResiliencePipeline.Empty, NullLogger<FileGrainStorage>.Instance);
}
