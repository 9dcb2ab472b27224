namespace ALoRA.TestSupport;

/// <summary>A fresh folder under the temp path (<c>alora-tests/&lt;purpose&gt;-&lt;random&gt;</c>), deleted on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    /// <summary>Creates the folder (also as an xunit class fixture, which needs a single parameterless constructor).</summary>
    public TempDirectory()
        : this("test")
    {
    }

    private TempDirectory(string purpose)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "alora-tests", $"{purpose}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    /// <summary>The folder.</summary>
    public string Path { get; }

    /// <summary>Creates a folder whose name starts with <paramref name="purpose"/>, to tell leftovers apart.</summary>
    public static TempDirectory Create(string purpose) => new(purpose);

    /// <summary>A path under the folder.</summary>
    public string PathOf(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Deletes the folder; retries briefly, since a process that was just killed may still hold a file.</summary>
    public void Dispose()
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                Directory.Delete(Path, recursive: true);
                return;
            }
            catch (DirectoryNotFoundException)
            {
                return;
            }
            catch (IOException)
            {
                Thread.Sleep(500);
            }
            catch (UnauthorizedAccessException)
            {
                return;
            }
        }
    }
}
