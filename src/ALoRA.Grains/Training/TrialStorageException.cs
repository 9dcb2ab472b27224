namespace ALoRA.Grains.Training;

/// <summary>
/// A trial trained to the end but its final adapter could not be written to the checkpoint store (no space left on the
/// device, the volume gone). The trial is not at fault: its trainer ends the attempt as an infrastructure failure, so
/// it is requeued without counting against its retries and resumes from its last checkpoint.
/// </summary>
public sealed class TrialStorageException : IOException
{
    /// <summary>Creates the exception.</summary>
    public TrialStorageException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What could not be written, and why.</param>
    public TrialStorageException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What could not be written, and why.</param>
    /// <param name="innerException">The IO failure.</param>
    public TrialStorageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
