using System.Globalization;
using ALoRA.Abstractions.Cluster;

namespace ALoRA.Cli.Output;

/// <summary>
/// What <c>alora cluster</c> prints (docs/operations.md, <c>Alora:Trainers:Slots</c>): one row per slot of each device (a device of an older
/// scheduler, which reports no slots, is one row): the slot's trainer, busy or free, its trial and the memory that trial
/// holds; each device's first row also gives the device's memory reserved by its running trials against its total.
/// </summary>
internal static class ClusterTable
{
    /// <summary>The table of <paramref name="cluster"/>'s slots.</summary>
    public static CliTable Of(ClusterStatus cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var table = new CliTable(new("TRAINER", 28, Wrap: true), new("STATE", 5), new("TRIAL", 32, Wrap: true), new("HOLDS", 10),
                                 new("DEVICE MEMORY", 18), new("SILO"));
        foreach (var device in cluster.Trainers)
        {
            var slots = device.Slots.IsEmpty ? [new SlotInfo { Trainer = device.Key, Trial = device.Trial }] : device.Slots;
            var memory = device.DeviceMemoryBytes is { } total ? $"{Gib(device.ReservedBytes, false)} / {Gib(total)}" : "-";
            for (var i = 0; i < slots.Count; i++)
            {
                var slot = slots[i];
                var holds = slot.Trial is null ? "-" : slot.ReservedBytes is { } bytes ? Gib(bytes) : "whole";
                table.Add(slot.Trainer, slot.Trial is null ? "free" : "busy", slot.Trial ?? "-", holds, i == 0 ? memory : "", device.SiloAddress);
            }
        }

        return table;
    }

    /// <summary>The line under the table: devices, slots, silos, the queue and the sweeps.</summary>
    public static string Summary(ClusterStatus cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var slots = cluster.Trainers.Sum(t => Math.Max(1, t.Slots.Count));
        return $"{cluster.Trainers.Count} devices ({slots} slots) on {cluster.Trainers.Select(t => t.SiloAddress).Distinct().Count()} silos; " +
               $"{cluster.Running} trials running, {cluster.Queued} queued; {cluster.Sweeps.Count} sweeps";
    }

    private static string Gib(long bytes, bool unit = true) =>
        (bytes / (double)(1L << 30)).ToString("F1", CultureInfo.InvariantCulture) + (unit ? " GiB" : "");
}
