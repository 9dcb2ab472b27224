using ALoRA.Grains.Checkpoints;
using ALoRA.Grains.Resilience;
using ALoRA.Grains.Tests.Resilience;
using ALoRA.Grains.Training;
using Microsoft.Extensions.Options;

namespace ALoRA.Grains.Tests.Storage;

public sealed class DirectoryCheckpointStoreTests : IDisposable
{
    private readonly TempDirectory _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public void TrialDirectory_CreatesFolderUnderRoot()
    {
        var store = new DirectoryCheckpointStore(_root.Path);

        var dir = store.TrialDirectory("sweep1-abc123");

        Assert.Equal(Path.Combine(_root.Path, "sweep1-abc123"), dir);
        Assert.True(Directory.Exists(dir));
        Assert.Equal(dir, store.TrialDirectory("sweep1-abc123"));
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("con")]
    [InlineData("")]
    [InlineData("node-a/cpu:0")]
    public void TrialDirectory_HostileIds_StayInsideRoot(string trialId)
    {
        var store = new DirectoryCheckpointStore(_root.Path);

        var dir = store.TrialDirectory(trialId);

        Assert.Equal(_root.Path, Path.GetDirectoryName(dir));
        Assert.True(Directory.Exists(dir));
    }

    [Fact]
    public void TrialDirectory_DifferentIds_DifferentFolders()
    {
        var store = new DirectoryCheckpointStore(_root.Path);
        var ids = new[] { "a/b", "a%2Fb", "a_b", "A/b", "..", "%2E%2E", "" };

        var dirs = ids.Select(store.TrialDirectory).ToList();

        Assert.Equal(ids.Length, dirs.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Fact]
    public void HasCheckpoint_SeesCheckpointDirectoriesOnly()
    {
        var store = new DirectoryCheckpointStore(_root.Path);
        Assert.False(store.HasCheckpoint("t1"));
        Assert.False(Directory.Exists(Path.Combine(_root.Path, "t1")));

        var workspace = new TrialWorkspace(store.TrialDirectory("t1"));
        Directory.CreateDirectory(workspace.CheckpointDirectory);
        Assert.False(store.HasCheckpoint("t1"));

        // A partial write (temporary name), a set-aside one and a stray file are not checkpoints.
        File.WriteAllText(Path.Combine(workspace.CheckpointDirectory, "latest"), "checkpoint-00000010");
        Directory.CreateDirectory(Path.Combine(workspace.CheckpointDirectory, ".checkpoint-00000020.0a1b.tmp"));
        Directory.CreateDirectory(Path.Combine(workspace.CheckpointDirectory, "damaged", "checkpoint-00000030"));
        Assert.False(store.HasCheckpoint("t1"));

        Directory.CreateDirectory(Path.Combine(workspace.CheckpointDirectory, "checkpoint-00000010"));
        Assert.True(store.HasCheckpoint("t1"));
        Assert.False(store.HasCheckpoint("t2"));
    }

    [Fact]
    public void DeleteTrial_RemovesOnlyThatTrial()
    {
        var store = new DirectoryCheckpointStore(_root.Path);
        var keep = store.TrialDirectory("keep");
        var gone = store.TrialDirectory("gone");
        File.WriteAllText(Path.Combine(gone, "x.bin"), "x");

        store.DeleteTrial("gone");
        store.DeleteTrial("never-existed");
        store.DeleteTrial("..");

        Assert.False(Directory.Exists(gone));
        Assert.True(Directory.Exists(keep));
        Assert.True(Directory.Exists(_root.Path));
    }

    [Fact]
    public void TrialDirectory_TransientIOError_IsRetried()
    {
        var blocker = Path.Combine(_root.Path, "t1");
        File.WriteAllText(blocker, "a file where the folder should be");
        var retries = new CallbackLogger(_ => File.Delete(blocker));
        var options = new AloraRetryOptions { MaxRetryAttempts = 2, BaseDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero };
        var store = new DirectoryCheckpointStore(_root.Path, AloraResiliencePipelines.CreateStorage(options, logger: retries));

        var dir = store.TrialDirectory("t1");

        Assert.True(Directory.Exists(dir));
        Assert.Equal(1, retries.Count);
    }

    [Fact]
    public void Constructor_EmptyRoot_ThrowsNamingSetting()
    {
        var ex = Assert.Throws<ArgumentException>(() => new DirectoryCheckpointStore(" "));

        Assert.Contains("Alora:Checkpoints:RootDirectory", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OptionsValidator_EmptyRoot_FailsNamingSetting()
    {
        var result = new CheckpointStoreOptionsValidator().Validate(Options.DefaultName, new CheckpointStoreOptions());

        Assert.True(result.Failed);
        Assert.Contains("Alora:Checkpoints:RootDirectory", result.FailureMessage, StringComparison.Ordinal);
        Assert.True(new CheckpointStoreOptionsValidator().Validate(null, new CheckpointStoreOptions { RootDirectory = _root.Path }).Succeeded);
    }
}
