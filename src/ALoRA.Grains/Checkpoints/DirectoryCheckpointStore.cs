using ALoRA.Engine.Checkpoints;
using ALoRA.Grains.Storage;
using ALoRA.Grains.Training;
using Polly;

namespace ALoRA.Grains.Checkpoints;

/// <summary>
/// <see cref="ICheckpointStore"/> over a folder: the trial <c>t</c> lives in <c>&lt;root&gt;/&lt;encoded t&gt;/</c>, with the
/// same encoding as the file grain storage (keys cannot escape the root or collide). Creating and deleting folders
/// runs through a resilience pipeline (normally <c>AloraResilience.Storage</c>), so transient IO errors are retried.
/// </summary>
public sealed class DirectoryCheckpointStore : ICheckpointStore
{
    private readonly ResiliencePipeline _pipeline;

    /// <summary>Creates a store over <paramref name="root"/> (created on first use).</summary>
    /// <param name="root">The root folder.</param>
    /// <param name="pipeline">Retries around folder IO; none when null.</param>
    /// <exception cref="ArgumentException"><paramref name="root"/> is empty or not a usable path.</exception>
    public DirectoryCheckpointStore(string root, ResiliencePipeline? pipeline = null)
    {
        var error = DirectorySetting.Check($"{CheckpointStoreOptions.Section}:{nameof(CheckpointStoreOptions.RootDirectory)}", root);
        if (error is not null)
        {
            throw new ArgumentException(error, nameof(root));
        }

        RootDirectory = SafeFileName.FullRoot(root);
        _pipeline = pipeline ?? ResiliencePipeline.Empty;
    }

    /// <summary>Absolute path of the root folder.</summary>
    public string RootDirectory { get; }

    /// <inheritdoc />
    public string TrialDirectory(string trialId)
    {
        var path = PathOf(trialId);
        _pipeline.Execute(static p => Directory.CreateDirectory(p), path);
        return path;
    }

    /// <inheritdoc />
    public string TrialPath(string trialId) => PathOf(trialId);

    /// <inheritdoc />
    public bool HasCheckpoint(string trialId) =>
        TrainingCheckpoint.Latest(new TrialWorkspace(PathOf(trialId)).CheckpointDirectory) is not null;

    /// <inheritdoc />
    public void DeleteTrial(string trialId)
    {
        var path = PathOf(trialId);
        _pipeline.Execute(static p =>
        {
            if (Directory.Exists(p))
            {
                Directory.Delete(p, recursive: true);
            }
        }, path);
    }

    private string PathOf(string trialId)
    {
        ArgumentNullException.ThrowIfNull(trialId);
        return SafeFileName.PathUnder(RootDirectory, "", trialId);
    }
}
