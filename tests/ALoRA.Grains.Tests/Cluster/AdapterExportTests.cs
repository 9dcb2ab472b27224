using System.Security.Cryptography;
using System.Text;
using ALoRA.Abstractions.Grains;
using ALoRA.Abstractions.Trials;

namespace ALoRA.Grains.Tests.Cluster;

/// <summary>
/// <see cref="IAdapterExportGrain"/> serves the adapter files a trial left in the checkpoint store, in bounded chunks,
/// byte for byte; the oracle is the store's files read and hashed directly.
/// </summary>
public sealed class AdapterExportTests
{
    [Fact]
    public async Task ListAndRead_ServeTheStoresFiles_InChunksOfAtMost1MiB()
    {
        await using var h = await ClusterHarness.StartAsync(silos: 2, trainersPerSilo: 1);
        const string trial = "export-sweep-0123456789ab";
        var adapter = Path.Combine(h.Directory, "checkpoints", trial, "adapter");
        Directory.CreateDirectory(adapter);
        var weights = new byte[(5 * AdapterFile.ChunkSize / 2) + 17];
        new Random(7).NextBytes(weights);
        await File.WriteAllBytesAsync(Path.Combine(adapter, "adapter_model.safetensors"), weights);
        await File.WriteAllTextAsync(Path.Combine(adapter, "adapter_config.json"), """{"peft_type": "LORA"}""", Encoding.UTF8);
        var grain = h.Client.GetGrain<IAdapterExportGrain>(trial);

        var files = await grain.ListFilesAsync();

        var expected = Directory.GetFiles(adapter).Order(StringComparer.Ordinal).Select(f => (
            Path.GetFileName(f), new FileInfo(f).Length, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f)))));
        Assert.Equal(expected, files.Select(f => (f.Name, f.Length, f.Sha256)));
        foreach (var file in files)
        {
            using var copy = new MemoryStream();
            var chunks = new List<int>();
            while (true)
            {
                var chunk = await grain.ReadAsync(file.Name, copy.Length);
                if (chunk.Length == 0)
                {
                    break;
                }

                chunks.Add(chunk.Length);
                copy.Write(chunk);
            }

            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(adapter, file.Name)), copy.ToArray());
            Assert.All(chunks, c => Assert.InRange(c, 1, AdapterFile.ChunkSize));
        }

        Assert.Equal(3, (int)Math.Ceiling(weights.Length / (double)AdapterFile.ChunkSize));
    }

    [Fact]
    public async Task Read_ANameOutsideTheAdapterFolder_IsRefused()
    {
        await using var h = await ClusterHarness.StartAsync(silos: 1, trainersPerSilo: 1);
        const string trial = "export-sweep-aaaaaaaaaaaa";
        var folder = Path.Combine(h.Directory, "checkpoints", trial);
        Directory.CreateDirectory(Path.Combine(folder, "adapter"));
        await File.WriteAllTextAsync(Path.Combine(folder, "adapter", "adapter_config.json"), "{}");
        await File.WriteAllTextAsync(Path.Combine(folder, "secret.txt"), "not part of the adapter");
        var grain = h.Client.GetGrain<IAdapterExportGrain>(trial);

        foreach (var name in new[] { "../secret.txt", "missing.bin", "", Path.Combine(folder, "secret.txt") })
        {
            var ex = await Assert.ThrowsAsync<ArgumentException>(() => grain.ReadAsync(name, 0));
            Assert.Contains($"is not a file of trial {trial}'s adapter", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task List_WithoutAnAdapterInTheStore_SaysWhatIsNeeded()
    {
        await using var h = await ClusterHarness.StartAsync(silos: 1, trainersPerSilo: 1);

        var ex = await Assert.ThrowsAsync<FileNotFoundException>(() => h.Client.GetGrain<IAdapterExportGrain>("no-such-trial").ListFilesAsync());

        Assert.Contains("trial no-such-trial has no adapter in the checkpoint store", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"Alora:Checkpoints:RootDirectory = '{Path.Combine(h.Directory, "checkpoints")}'", ex.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(h.Directory, "checkpoints", "no-such-trial")), "listing created the trial's folder");
    }
}
