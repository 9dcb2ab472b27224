namespace ALoRA.Grains.Storage;

/// <summary>A folder is in use by the silos of another cluster (<see cref="ClusterFolderLock"/>).</summary>
public sealed class ClusterFolderInUseException : IOException
{
    /// <summary>Creates the exception.</summary>
    public ClusterFolderInUseException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The folder, its owner and what to do.</param>
    public ClusterFolderInUseException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The folder, its owner and what to do.</param>
    /// <param name="innerException">The cause.</param>
    public ClusterFolderInUseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The folder.</summary>
    public string Folder { get; init; } = "";

    /// <summary>The cluster recorded as using it (null when its record could not be read).</summary>
    public ClusterFolderOwner? Owner { get; init; }
}
