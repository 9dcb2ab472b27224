using ALoRA.Abstractions.Cluster;
using ALoRA.Grains.Scheduling;

namespace ALoRA.Grains.Tests.Scheduling;

/// <summary>The slots' lifecycle rules (issue 14, point 1), without a cluster.</summary>
public sealed class SlotBookTests
{
    private const string Silo = "10.0.0.1:11111@1";
    private const string Restarted = "10.0.0.1:11111@2";
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly Dictionary<string, TrainerRecord> _records = new(StringComparer.Ordinal);
    private readonly List<LostAssignment> _lost = [];

    [Fact]
    public void Register_NewDevice_HasItsSlots_KeyedByTrainer()
    {
        var book = Book(("a/cpu:0", 3, 100));

        Assert.Equal(["a/cpu:0", "a/cpu:0#1", "a/cpu:0#2"], TrainerKeysOf(book));
        Assert.Equal(100, _records["a/cpu:0"].DeviceMemoryBytes);
        Assert.Empty(_lost);
    }

    [Fact]
    public void Register_AgainSameIncarnation_ChangesNothing_KeepsTrials()
    {
        var book = Book(("a/cpu:0", 2, 100));
        book.Assign("a/cpu:0#1", "t1", 10);

        var changed = book.Register(Device("a/cpu:0", 2, 100), Silo, Now.AddSeconds(1), _lost);

        Assert.False(changed);
        Assert.Equal(["t1"], book.Running);
        Assert.Equal(Now.AddSeconds(1), _records["a/cpu:0"].LastSeen);
    }

    [Fact]
    public void Register_NewIncarnation_LosesEverySlotsTrial_WithTheOldIdentity()
    {
        var book = Book(("a/cpu:0", 2, 100));
        book.Assign("a/cpu:0", "t0", 10);
        book.Assign("a/cpu:0#1", "t1", 10);

        Assert.True(book.Register(Device("a/cpu:0", 2, 100), Restarted, Now, _lost));

        Assert.Equal(
            [new LostAssignment("a/cpu:0", $"a/cpu:0@{Silo}", "t0", "its silo restarted"), new LostAssignment("a/cpu:0#1", $"a/cpu:0#1@{Silo}", "t1", "its silo restarted")],
            _lost);
        Assert.Empty(book.Running);
        Assert.Equal(Restarted, _records["a/cpu:0"].SiloAddress);
    }

    [Fact]
    public void Register_FewerSlots_LosesWhatTheRemovedSlotsHeld()
    {
        var book = Book(("a/cpu:0", 3, 100));
        book.Assign("a/cpu:0", "t0", 10);
        book.Assign("a/cpu:0#2", "t2", 10);

        book.Register(Device("a/cpu:0", 1, 100), Silo, Now, _lost);

        Assert.Equal(["t2"], _lost.Select(l => l.TrialId));
        Assert.Equal(["t0"], book.Running);
        Assert.Equal(["a/cpu:0"], TrainerKeysOf(book));
    }

    [Fact]
    public void Register_UnknownMemory_KeepsTheMemoryRegisteredBefore()
    {
        var book = Book(("a/cpu:0", 1, 100));

        book.Register(new DeviceRegistration { Key = "a/cpu:0", Slots = 1 }, Silo, Now, _lost);

        Assert.Equal(100, _records["a/cpu:0"].DeviceMemoryBytes);
    }

    [Fact]
    public void OldRecord_TrialOfTheDevice_BecomesSlotZeros()
    {
        _records["a/cpu:0"] = new TrainerRecord { SiloAddress = Silo, Trial = "old", Waiting = false, DeviceMemoryBytes = 100 };

        var book = new SlotBook(_records);

        Assert.Equal(["old"], book.Running);
        Assert.Null(_records["a/cpu:0"].Trial);
        Assert.Equal(ReleaseOutcome.Freed, book.Release("old", $"a/cpu:0@{Silo}"));
    }

    [Fact]
    public void Fits_TwoSmallShareADevice_ABigOneWaitsForTheirMemory()
    {
        var book = Book(("a/cpu:0", 3, 100));

        Assert.True(book.Fits("a/cpu:0", 40));
        book.Assign("a/cpu:0", "small1", 40);
        Assert.True(book.Fits("a/cpu:0#1", 40));
        book.Assign("a/cpu:0#1", "small2", 40);

        Assert.False(book.Fits("a/cpu:0#2", 30)); // 80 of 100 held: 30 would over-commit
        Assert.True(book.Fits("a/cpu:0#2", 20)); // exactly what is free

        Assert.Equal(ReleaseOutcome.Freed, book.Release("small1", $"a/cpu:0@{Silo}"));
        Assert.True(book.Fits("a/cpu:0#2", 60));
        Assert.False(book.Fits("a/cpu:0#2", 61));
    }

    [Fact]
    public void Fits_UnknownSize_RunsAlone_AndNothingJoinsIt()
    {
        var book = Book(("a/cpu:0", 2, 100));

        Assert.True(book.Fits("a/cpu:0", null));
        book.Assign("a/cpu:0", "unknown", null);

        Assert.False(book.Fits("a/cpu:0#1", 1));
        Assert.False(book.Fits("a/cpu:0#1", null));
    }

    [Fact]
    public void Fits_NextToAKnownTrial_AnUnknownSizeDoesNot()
    {
        var book = Book(("a/cpu:0", 2, 100));
        book.Assign("a/cpu:0", "small", 1);

        Assert.False(book.Fits("a/cpu:0#1", null));
    }

    [Fact]
    public void Fits_DeviceOfUnknownMemory_TakesEveryTrial()
    {
        var book = new SlotBook(_records);
        book.Register(new DeviceRegistration { Key = "a/cpu:0", Slots = 2 }, Silo, Now, _lost);
        book.Assign("a/cpu:0", "t0", 1L << 40);

        Assert.True(book.Fits("a/cpu:0#1", 1L << 40));
    }

    [Fact]
    public void Computes_TheDTypesTheDeviceRegistered_AnyWhenItRegisteredNone_TheDefaultAlways()
    {
        var book = new SlotBook(_records);
        Assert.True(book.Register(new DeviceRegistration { Key = "a/cuda:0", DTypes = ["float32", "bfloat16"] }, Silo, Now, _lost));
        book.Register(new DeviceRegistration { Key = "b/cuda:0", DTypes = ["float32"] }, Silo, Now, _lost);
        book.Register(new DeviceRegistration { Key = "c/cpu:0" }, Silo, Now, _lost);

        Assert.True(book.Computes("a/cuda:0", "bfloat16"));
        Assert.False(book.Computes("b/cuda:0", "bfloat16"));
        Assert.True(book.Computes("b/cuda:0", "float32"));
        Assert.True(book.Computes("b/cuda:0", null)); // the device's default
        Assert.True(book.Computes("c/cpu:0", "float16")); // registered none: not checked
        Assert.False(book.Computes("d/cpu:0", "float32")); // not registered
        Assert.Equal(["float32", "bfloat16"], _records["a/cuda:0"].DTypes!); // stored with the device

        // The same list again changes nothing; a new one (a driver upgrade) is stored; a registration without dtypes keeps the last.
        Assert.False(book.Register(new DeviceRegistration { Key = "b/cuda:0", DTypes = ["float32"] }, Silo, Now, _lost));
        Assert.True(book.Register(new DeviceRegistration { Key = "b/cuda:0", DTypes = ["float32", "bfloat16"] }, Silo, Now, _lost));
        Assert.False(book.Register(new DeviceRegistration { Key = "b/cuda:0" }, Silo, Now, _lost));
        Assert.True(book.Computes("b/cuda:0", "bfloat16"));
    }

    [Fact]
    public void Fits_AnUnregisteredSlot_IsFalse()
    {
        var book = Book(("a/cpu:0", 1, 100));

        Assert.False(book.Fits("a/cpu:0#1", 1));
        Assert.False(book.Fits("b/cpu:0", 1));
        Assert.False(book.Fits("a/cpu:0#x", 1));
    }

    [Fact]
    public void Next_FreeSlot_NothingLost()
    {
        var book = Book(("a/cpu:0", 2, 100));

        Assert.True(book.Next("a/cpu:0#1", Now.AddSeconds(5), _lost));

        Assert.Empty(_lost);
        Assert.Equal(Now.AddSeconds(5), _records["a/cpu:0"].LastSeen);
    }

    [Fact]
    public void Next_SlotStillHoldingATrial_LosesIt_OtherSlotsKeepTheirs()
    {
        var book = Book(("a/cpu:0", 2, 100));
        book.Assign("a/cpu:0", "t0", 10);
        book.Assign("a/cpu:0#1", "t1", 10);

        Assert.True(book.Next("a/cpu:0#1", Now, _lost));

        Assert.Equal([new LostAssignment("a/cpu:0#1", $"a/cpu:0#1@{Silo}", "t1", "its trainer asked for new work")], _lost);
        Assert.Equal(["t0"], book.Running);
    }

    [Fact]
    public void Next_UnknownSlot_IsFalse()
    {
        var book = Book(("a/cpu:0", 1, 100));

        Assert.False(book.Next("a/cpu:0#1", Now, _lost));
        Assert.False(book.Next("b/cpu:0", Now, _lost));
    }

    [Fact]
    public void Assign_ABusySlot_Throws()
    {
        var book = Book(("a/cpu:0", 1, 100));
        book.Assign("a/cpu:0", "t0", 10);

        Assert.Throws<InvalidOperationException>(() => book.Assign("a/cpu:0", "t1", 10));
    }

    [Fact]
    public void Release_ByTheAttemptsTrainer_Frees_Repeated_IsNotHeld()
    {
        var book = Book(("a/cpu:0", 2, 100));
        book.Assign("a/cpu:0#1", "t1", 10);

        Assert.Equal(ReleaseOutcome.Freed, book.Release("t1", $"a/cpu:0#1@{Silo}"));
        Assert.Equal(ReleaseOutcome.NotHeld, book.Release("t1", $"a/cpu:0#1@{Silo}"));
        Assert.Empty(book.Running);
    }

    [Fact]
    public void Release_ByAnOlderAttemptsTrainer_ChangesNothing()
    {
        var book = Book(("a/cpu:0", 2, 100), ("b/cpu:0", 1, 100));
        book.Assign("b/cpu:0", "t1", 10); // the trial moved to b after it was lost on a

        Assert.Equal(ReleaseOutcome.HeldElsewhere, book.Release("t1", $"a/cpu:0#1@{Silo}"));
        Assert.Equal(ReleaseOutcome.HeldElsewhere, book.Release("t1", $"b/cpu:0@{Restarted}")); // the same trainer's older incarnation
        Assert.Equal(["t1"], book.Running);
    }

    [Fact]
    public void Remove_LosesEveryTrialOfTheDevice_Only()
    {
        var book = Book(("a/cpu:0", 2, 100), ("b/cpu:0", 1, 100));
        book.Assign("a/cpu:0#1", "t1", 10);
        book.Assign("b/cpu:0", "t2", 10);

        book.Remove("a/cpu:0", "its silo is Dead", _lost);

        Assert.Equal(["t1"], _lost.Select(l => l.TrialId));
        Assert.Equal("its silo is Dead", _lost[0].Reason);
        Assert.Equal(["t2"], book.Running);
        Assert.False(_records.ContainsKey("a/cpu:0"));
    }

    [Fact]
    public void WaitingSlots_AreTheFreeOnesThatAsked()
    {
        var book = Book(("a/cpu:0", 3, 100));
        book.Wait("a/cpu:0");
        book.Wait("a/cpu:0#2");
        book.Assign("a/cpu:0#2", "t", 10); // assigned: no longer waiting

        Assert.Equal(["a/cpu:0"], book.WaitingSlots());
    }

    [Fact]
    public void Describe_GivesEachSlotItsTrainerTrialAndMemory()
    {
        var book = Book(("a/cpu:0", 2, 100));
        book.Assign("a/cpu:0#1", "t1", 30);

        var slots = SlotBook.Describe("a/cpu:0", _records["a/cpu:0"]).ToList();

        Assert.Equal(
            [new SlotInfo { Slot = 0, Trainer = "a/cpu:0" }, new SlotInfo { Slot = 1, Trainer = "a/cpu:0#1", Trial = "t1", ReservedBytes = 30 }],
            slots);
    }

    private static DeviceRegistration Device(string key, int slots, long memory) => new() { Key = key, Slots = slots, MemoryBytes = memory };

    private static List<string> TrainerKeysOf(SlotBook book) =>
        [.. book.Devices.SelectMany(d => SlotBook.Describe(d.Key, d.Value)).Select(s => s.Trainer)];

    private SlotBook Book(params (string Key, int Slots, long Memory)[] devices)
    {
        var book = new SlotBook(_records);
        foreach (var (key, slots, memory) in devices)
        {
            book.Register(Device(key, slots, memory), Silo, Now, _lost);
        }

        return book;
    }
}
