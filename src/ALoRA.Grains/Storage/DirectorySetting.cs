namespace ALoRA.Grains.Storage;

/// <summary>Validation of a setting that names a folder (shared by the storage and checkpoint options).</summary>
internal static class DirectorySetting
{
    /// <summary>Null when <paramref name="value"/> can name a folder, else a message naming <paramref name="setting"/>.</summary>
    public static string? Check(string setting, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return $"{setting} is required: the folder to keep the files in";
        }

        if (value.IndexOf('\0') >= 0)
        {
            return $"{setting} = '{value.Replace("\0", "\\0", StringComparison.Ordinal)}' contains a NUL character";
        }

        try
        {
            _ = Path.GetFullPath(value);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return $"{setting} = '{value}' is not a usable path ({ex.Message})";
        }

        return null;
    }
}
