using System.Globalization;

namespace ALoRA.Grains.Trainers;

/// <summary>
/// Trainer keys: one trainer per slot of a device. Slot 0's key is the device's key, <c>&lt;silo name&gt;/&lt;device&gt;</c>
/// (e.g. <c>node-a/cuda:0</c>); slot n's is <c>&lt;silo name&gt;/&lt;device&gt;#n</c> (e.g. <c>node-a/cuda:0#1</c>).
/// </summary>
public static class TrainerKeys
{
    private const char SlotSeparator = '#';

    /// <summary>The key of <paramref name="device"/> on <paramref name="silo"/> (its slot 0's trainer).</summary>
    public static string Of(string silo, string device) => $"{silo}/{device}";

    /// <summary>The key of slot <paramref name="slot"/> of the device whose key is <paramref name="deviceKey"/>.</summary>
    public static string OfSlot(string deviceKey, int slot) =>
        slot == 0 ? deviceKey : string.Create(CultureInfo.InvariantCulture, $"{deviceKey}{SlotSeparator}{slot}");

    /// <summary>The silo name of a key.</summary>
    public static string SiloOf(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? key : key[..slash];
    }

    /// <summary>The device of a key (without its slot).</summary>
    public static string DeviceOf(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? "cpu:0" : DeviceKeyOf(key)[(slash + 1)..];
    }

    /// <summary>The key of the device a slot's key belongs to (the key itself for slot 0).</summary>
    public static string DeviceKeyOf(string key)
    {
        var hash = key.LastIndexOf(SlotSeparator);
        return hash < 0 ? key : key[..hash];
    }

    /// <summary>The slot number of a key (0 without a <c>#n</c> suffix, -1 when the suffix is not a number).</summary>
    public static int SlotOf(string key)
    {
        var hash = key.LastIndexOf(SlotSeparator);
        return hash < 0 ? 0 : int.TryParse(key.AsSpan(hash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var slot) ? slot : -1;
    }

    /// <summary>The name of a slot's dedicated thread's worker: the device, with <c>#n</c> for slot n above 0.</summary>
    public static string WorkerOf(string key)
    {
        var slot = SlotOf(key);
        var device = DeviceOf(key);
        return slot <= 0 ? device : string.Create(CultureInfo.InvariantCulture, $"{device}{SlotSeparator}{slot}");
    }
}
