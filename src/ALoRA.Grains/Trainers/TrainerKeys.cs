namespace ALoRA.Grains.Trainers;

/// <summary>Trainer keys: <c>&lt;silo name&gt;/&lt;device&gt;</c>, e.g. <c>node-a/cuda:0</c>.</summary>
public static class TrainerKeys
{
    /// <summary>The key of <paramref name="device"/> on <paramref name="silo"/>.</summary>
    public static string Of(string silo, string device) => $"{silo}/{device}";

    /// <summary>The silo name of a key.</summary>
    public static string SiloOf(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? key : key[..slash];
    }

    /// <summary>The device of a key.</summary>
    public static string DeviceOf(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? "cpu:0" : key[(slash + 1)..];
    }
}
