namespace ALoRA.Engine.Checkpoints;

/// <summary>
/// Writes a file so that readers see either the old or the new content, never a partial one:
/// write to a temp file in the same directory, flush to disk, then rename over the target.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes through <paramref name="write"/> into a temp file, then renames it to <paramref name="path"/>.</summary>
    /// <param name="path">The file to replace.</param>
    /// <param name="write">Writes the content.</param>
    /// <param name="fileSystem">Creates the temp file (default: <see cref="CheckpointFileSystem.Default"/>).</param>
    public static void Write(string path, Action<Stream> write, CheckpointFileSystem? fileSystem = null)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = (fileSystem ?? CheckpointFileSystem.Default).Create(temp))
            {
                write(stream);
                if (stream is FileStream file)
                {
                    file.Flush(flushToDisk: true);
                }
                else
                {
                    stream.Flush();
                }
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Writes text atomically.</summary>
    /// <param name="path">The file to replace.</param>
    /// <param name="text">The content (UTF-8).</param>
    /// <param name="fileSystem">Creates the temp file (default: <see cref="CheckpointFileSystem.Default"/>).</param>
    public static void WriteAllText(string path, string text, CheckpointFileSystem? fileSystem = null) =>
        Write(path, s =>
        {
            using var w = new StreamWriter(s, leaveOpen: true);
            w.Write(text);
        }, fileSystem);

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }
}
