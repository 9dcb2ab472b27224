using ALoRA.Abstractions.Cluster;
using ALoRA.Grains.Trainers;

namespace ALoRA.Grains.Scheduling;

/// <summary>
/// The lifecycle rules of the devices' slots (docs/architecture.md, "Data flow"), over the scheduler's stored device
/// records; pure (no grain calls, no clock of its own), so every rule is unit-tested. A slot holds at most one trial and
/// a trial is held by at most one slot. A slot is taken when the scheduler assigns it a trial that fits the device's free
/// memory (<see cref="Fits"/>) and whose device computes its dtype (<see cref="Computes"/>), and freed by exactly three events: the trial's experiment says the attempt ended
/// (<see cref="Release"/>), the slot's trainer asks for its next assignment while still holding one (it cannot be running
/// it: <see cref="Next"/>), or the device goes away or comes back as a new silo incarnation (<see cref="Register"/>,
/// <see cref="Remove"/>). The last two give the trial back as a <see cref="LostAssignment"/>, which the scheduler requeues
/// and reports to the experiment; nothing else needs reconciling.
/// </summary>
public sealed class SlotBook
{
    private readonly Dictionary<string, TrainerRecord> _devices;

    /// <summary>Reads <paramref name="devices"/> (the stored records, changed in place); a record written before devices had slots gets its one slot.</summary>
    public SlotBook(Dictionary<string, TrainerRecord> devices)
    {
        ArgumentNullException.ThrowIfNull(devices);
        _devices = devices;
        foreach (var record in devices.Values)
        {
            if (record.Slots.Count == 0)
            {
                record.Slots.Add(new SlotRecord { Trial = record.Trial, Waiting = record.Waiting });
            }

            record.Trial = null;
            record.Waiting = false;
        }
    }

    /// <summary>The registered devices by key.</summary>
    public IReadOnlyDictionary<string, TrainerRecord> Devices => _devices;

    /// <summary>The trials held by slots.</summary>
    public IEnumerable<string> Running => _devices.Values.SelectMany(d => d.Slots).Select(s => s.Trial).OfType<string>();

    /// <summary>
    /// Registers (or refreshes) a device of the silo incarnation <paramref name="siloAddress"/>. A device seen before on
    /// another incarnation (its silo restarted) loses what its slots held; a device registered with fewer slots loses what
    /// the removed ones held.
    /// </summary>
    /// <returns>True when the stored record changed.</returns>
    public bool Register(DeviceRegistration device, string siloAddress, DateTimeOffset now, List<LostAssignment> lost)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(lost);
        var slots = Math.Max(1, device.Slots);
        var changed = false;
        if (!_devices.TryGetValue(device.Key, out var record))
        {
            record = new TrainerRecord { SiloAddress = siloAddress };
            _devices[device.Key] = record;
            changed = true;
        }
        else if (record.SiloAddress != siloAddress)
        {
            // Same device name, new silo incarnation (a restart): what the old one ran is lost.
            LoseAll(device.Key, record, "its silo restarted", lost);
            record.SiloAddress = siloAddress;
            foreach (var slot in record.Slots)
            {
                slot.Waiting = false;
            }

            changed = true;
        }

        while (record.Slots.Count < slots)
        {
            record.Slots.Add(new SlotRecord());
            changed = true;
        }

        while (record.Slots.Count > slots)
        {
            var last = record.Slots.Count - 1;
            Lose(device.Key, record, last, "its slot was removed", lost);
            record.Slots.RemoveAt(last);
            changed = true;
        }

        if (device.MemoryBytes is { } memory && record.DeviceMemoryBytes != memory)
        {
            record.DeviceMemoryBytes = memory;
            changed = true;
        }

        if (device.DTypes is { } dtypes && (record.DTypes is null || !record.DTypes.SequenceEqual(dtypes, StringComparer.Ordinal)))
        {
            record.DTypes = [.. dtypes];
            changed = true;
        }

        record.LastSeen = now;
        return changed;
    }

    /// <summary>Forgets a device (its silo left the cluster); what its slots held is lost.</summary>
    public void Remove(string deviceKey, string reason, List<LostAssignment> lost)
    {
        ArgumentNullException.ThrowIfNull(lost);
        if (_devices.Remove(deviceKey, out var record))
        {
            LoseAll(deviceKey, record, reason, lost);
        }
    }

    /// <summary>
    /// The slot of trainer <paramref name="trainerKey"/> asks for its next assignment: it is free from now on. A trial it
    /// still held is lost (the trainer would not ask while running it: its job is gone).
    /// </summary>
    /// <returns>False when the slot is not registered (its device is unknown, or has fewer slots).</returns>
    public bool Next(string trainerKey, DateTimeOffset now, List<LostAssignment> lost)
    {
        ArgumentNullException.ThrowIfNull(lost);
        if (Find(trainerKey) is not var (deviceKey, record, index))
        {
            return false;
        }

        record.LastSeen = now;
        Lose(deviceKey, record, index, "its trainer asked for new work", lost);
        return true;
    }

    /// <summary>
    /// True when a trial of <paramref name="bytes"/> (null: not known) fits what the device of <paramref name="trainerKey"/>
    /// has free: its memory less what the trials on its other slots hold. A device of unknown memory takes every trial; a
    /// trial of unknown size, and a trial next to one of unknown size, runs on the device alone.
    /// </summary>
    public bool Fits(string trainerKey, long? bytes)
    {
        if (Find(trainerKey) is not var (_, record, index))
        {
            return false;
        }

        var others = record.Slots.Where((s, i) => i != index && s.Trial is not null).ToList();
        if (others.Count == 0 || record.DeviceMemoryBytes is not { } memory)
        {
            return true;
        }

        if (bytes is not { } needed || others.Any(s => s.ReservedBytes is null))
        {
            return false;
        }

        return needed <= memory - others.Sum(s => s.ReservedBytes!.Value);
    }

    /// <summary>
    /// True when the device of <paramref name="trainerKey"/> computes <paramref name="dtype"/> (null: the device's
    /// default, which every device computes), or reported no dtypes (nothing to check against).
    /// </summary>
    public bool Computes(string trainerKey, string? dtype) =>
        dtype is null || (Find(trainerKey) is var (_, record, _) && (record.DTypes is null || record.DTypes.Contains(dtype, StringComparer.Ordinal)));

    /// <summary>Gives the free slot of <paramref name="trainerKey"/> the trial <paramref name="trialId"/>, holding <paramref name="bytes"/>.</summary>
    /// <exception cref="InvalidOperationException">The slot is unknown or not free.</exception>
    public void Assign(string trainerKey, string trialId, long? bytes)
    {
        if (Find(trainerKey) is not var (_, record, index) || record.Slots[index].Trial is not null)
        {
            throw new InvalidOperationException($"slot {trainerKey} is not a free registered slot");
        }

        record.Slots[index].Trial = trialId;
        record.Slots[index].ReservedBytes = bytes;
        record.Slots[index].Waiting = false;
    }

    /// <summary>Marks the slot of <paramref name="trainerKey"/> as waiting for work (it is told when work arrives).</summary>
    public void Wait(string trainerKey)
    {
        if (Find(trainerKey) is var (_, record, index))
        {
            record.Slots[index].Waiting = true;
        }
    }

    /// <summary>The free slots that asked for work and got none, by trainer key.</summary>
    public IEnumerable<string> WaitingSlots() =>
        _devices.SelectMany(d => d.Value.Slots.Select((s, i) => (Key: TrainerKeys.OfSlot(d.Key, i), Slot: s)))
            .Where(x => x.Slot.Waiting && x.Slot.Trial is null).Select(x => x.Key);

    /// <summary>
    /// The trial's experiment says its attempt on <paramref name="trainer"/> (<c>key@silo address</c>) ended: frees the
    /// slot holding it there.
    /// </summary>
    /// <returns>
    /// <see cref="ReleaseOutcome.Freed"/> when that slot held it; <see cref="ReleaseOutcome.NotHeld"/> when no slot holds
    /// it (already freed); <see cref="ReleaseOutcome.HeldElsewhere"/> when another trainer (or another incarnation) holds it
    /// now: the word is about an older attempt, and changes nothing.
    /// </returns>
    public ReleaseOutcome Release(string trialId, string trainer)
    {
        foreach (var (deviceKey, record) in _devices)
        {
            for (var i = 0; i < record.Slots.Count; i++)
            {
                if (record.Slots[i].Trial != trialId)
                {
                    continue;
                }

                if (record.Identity(TrainerKeys.OfSlot(deviceKey, i)) != trainer)
                {
                    return ReleaseOutcome.HeldElsewhere;
                }

                record.Slots[i].Trial = null;
                record.Slots[i].ReservedBytes = null;
                return ReleaseOutcome.Freed;
            }
        }

        return ReleaseOutcome.NotHeld;
    }

    /// <summary>The slots of each device as the cluster status shows them.</summary>
    public static IEnumerable<SlotInfo> Describe(string deviceKey, TrainerRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.Slots.Select((s, i) => new SlotInfo
        {
            Slot = i, Trainer = TrainerKeys.OfSlot(deviceKey, i), Trial = s.Trial, ReservedBytes = s.Trial is null ? null : s.ReservedBytes,
        });
    }

    private (string DeviceKey, TrainerRecord Record, int Index)? Find(string trainerKey)
    {
        var deviceKey = TrainerKeys.DeviceKeyOf(trainerKey);
        var index = TrainerKeys.SlotOf(trainerKey);
        return _devices.TryGetValue(deviceKey, out var record) && index >= 0 && index < record.Slots.Count ? (deviceKey, record, index) : null;
    }

    private static void LoseAll(string deviceKey, TrainerRecord record, string reason, List<LostAssignment> lost)
    {
        for (var i = 0; i < record.Slots.Count; i++)
        {
            Lose(deviceKey, record, i, reason, lost);
        }
    }

    private static void Lose(string deviceKey, TrainerRecord record, int index, string reason, List<LostAssignment> lost)
    {
        var slot = record.Slots[index];
        if (slot.Trial is { } trial)
        {
            var key = TrainerKeys.OfSlot(deviceKey, index);
            lost.Add(new LostAssignment(key, record.Identity(key), trial, reason));
            slot.Trial = null;
            slot.ReservedBytes = null;
        }
    }
}
