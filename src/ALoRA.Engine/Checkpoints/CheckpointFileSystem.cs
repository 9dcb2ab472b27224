namespace ALoRA.Engine.Checkpoints;

/// <summary>
/// How checkpoint files are created: every file a checkpoint write makes is opened here, so a test can substitute one
/// that fails the way a full disk does (an <see cref="IOException"/> part-way through a file).
/// </summary>
public class CheckpointFileSystem
{
    /// <summary>Files on the local file system.</summary>
    public static CheckpointFileSystem Default { get; } = new();

    /// <summary>Creates <paramref name="path"/> (it must not exist) for writing.</summary>
    /// <param name="path">The new file.</param>
    public virtual Stream Create(string path) =>
        new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
}
