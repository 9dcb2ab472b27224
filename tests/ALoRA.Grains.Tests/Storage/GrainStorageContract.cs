using System.Text.Json;
using ALoRA.Abstractions.Trials;
using ALoRA.Grains.Experiments;
using ALoRA.Grains.Storage;
using Orleans.Storage;

namespace ALoRA.Grains.Tests.Storage;

/// <summary>
/// What every ALoRA grain storage provider must do, run against each of them (<see cref="FileGrainStorageContractTests"/>,
/// <see cref="RedisGrainStorageContractTests"/>): write, read and clear; optimistic concurrency with ETags; concurrent
/// writers from two instances (two silos); large states; missing records; and records it cannot read, which are
/// reported and never overwritten.
/// </summary>
public abstract class GrainStorageContract
{
    /// <summary>The state name grains use.</summary>
    protected const string StateName = "alora";

    /// <summary>A grain whose state the cases write.</summary>
    protected static readonly GrainId Grain = GrainId.Create("experiment", "sweep1-abc123");

    /// <summary>A new provider instance over the same store (a second instance is another silo, or a restarted one).</summary>
    protected abstract IGrainStorage NewStorage();

    /// <summary>Puts <paramref name="content"/> where the provider keeps <paramref name="grain"/>'s state, bypassing it.</summary>
    protected abstract Task PutRawAsync(GrainId grain, string content);

    /// <summary>What is stored for <paramref name="grain"/>, bypassing the provider; null when nothing is.</summary>
    protected abstract Task<string?> GetRawAsync(GrainId grain);

    /// <summary>How the provider names <paramref name="grain"/>'s record in messages (a path, a key).</summary>
    protected abstract string Where(GrainId grain);

    /// <summary>A state with every kind of value the format must keep (escapes, NaN and infinities, an enum, a nested record).</summary>
    internal static CounterState Sample() => new()
    {
        Count = 3,
        Label = "héllo \"quoted\" ✓",
        Loss = double.NaN,
        Phase = TestPhase.Running,
        Losses = [1.5, double.PositiveInfinity, double.NegativeInfinity],
        RankPattern = new() { ["model.layers.0.self_attn.q_proj"] = 8 },
        Nested = new NestedRecord { Name = "n", At = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero) },
    };

    [Fact]
    public async Task Read_NoRecord_GivesNewStateWithoutRecord()
    {
        var state = new GrainState<CounterState> { State = null!, ETag = "stale", RecordExists = true };

        await NewStorage().ReadStateAsync(StateName, Grain, state);

        Assert.Equal(0, state.State!.Count);
        Assert.Null(state.ETag);
        Assert.False(state.RecordExists);
    }

    [Fact]
    public async Task WriteThenRead_FromAnotherInstance_RoundTripsStateAndETag()
    {
        var written = new GrainState<CounterState> { State = Sample() };
        await NewStorage().WriteStateAsync(StateName, Grain, written);

        var read = new GrainState<CounterState>();
        await NewStorage().ReadStateAsync(StateName, Grain, read);

        Assert.NotNull(written.ETag);
        Assert.True(written.RecordExists && read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        Assert.Equal((3, "héllo \"quoted\" ✓", TestPhase.Running), (read.State!.Count, read.State!.Label, read.State!.Phase));
        Assert.True(double.IsNaN(read.State!.Loss));
        Assert.Equal([1.5, double.PositiveInfinity, double.NegativeInfinity], read.State!.Losses);
        Assert.Equal(8, read.State!.RankPattern["model.layers.0.self_attn.q_proj"]);
        Assert.Equal(Sample().Nested, read.State!.Nested);
    }

    [Fact]
    public async Task Record_IsTheDocumentedEnvelope_WithoutDotNetTypeNames()
    {
        var state = new GrainState<CounterState> { State = Sample() };
        await NewStorage().WriteStateAsync(StateName, Grain, state);

        var text = await GetRawAsync(Grain);

        using var doc = JsonDocument.Parse(text!);
        var root = doc.RootElement;
        Assert.Equal(["schema_version", "state_type", "etag", "written_at", "state"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, root.GetProperty("schema_version").GetInt32());
        Assert.Equal("test.CounterState", root.GetProperty("state_type").GetString());
        Assert.Equal(state.ETag, root.GetProperty("etag").GetString());
        Assert.Equal("NaN", root.GetProperty("state").GetProperty("loss").GetString());
        Assert.DoesNotContain("$type", text, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("ALoRA.", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Write_WithCurrentETag_ReplacesStateAndETag()
    {
        var storage = NewStorage();
        var state = new GrainState<CounterState> { State = Sample() };
        await storage.WriteStateAsync(StateName, Grain, state);
        var first = state.ETag;

        state.State!.Count = 4;
        await storage.WriteStateAsync(StateName, Grain, state);

        Assert.NotEqual(first, state.ETag);
        var read = new GrainState<CounterState>();
        await NewStorage().ReadStateAsync(StateName, Grain, read);
        Assert.Equal((4, state.ETag), (read.State!.Count, read.ETag));
    }

    [Fact]
    public async Task Write_StaleETag_ThrowsInconsistentStateAndKeepsTheNewerState()
    {
        var a = new GrainState<CounterState> { State = Sample() };
        await NewStorage().WriteStateAsync(StateName, Grain, a);
        var b = new GrainState<CounterState>();
        var other = NewStorage();
        await other.ReadStateAsync(StateName, Grain, b);
        b.State!.Count = 10;
        await other.WriteStateAsync(StateName, Grain, b);

        a.State!.Count = 20;
        var ex = await Assert.ThrowsAsync<InconsistentStateException>(() => NewStorage().WriteStateAsync(StateName, Grain, a));

        Assert.Equal((b.ETag, a.ETag), (ex.StoredEtag, ex.CurrentEtag));
        var read = new GrainState<CounterState>();
        await NewStorage().ReadStateAsync(StateName, Grain, read);
        Assert.Equal(10, read.State!.Count);
    }

    [Fact]
    public async Task Write_NoETagWhileARecordExists_ThrowsInconsistentState()
    {
        await NewStorage().WriteStateAsync(StateName, Grain, new GrainState<CounterState> { State = Sample() });

        await Assert.ThrowsAsync<InconsistentStateException>(() =>
            NewStorage().WriteStateAsync(StateName, Grain, new GrainState<CounterState> { State = new CounterState() }));
    }

    [Fact]
    public async Task Write_ETagWithoutRecord_ThrowsInconsistentState()
    {
        await Assert.ThrowsAsync<InconsistentStateException>(() =>
            NewStorage().WriteStateAsync(StateName, Grain, new GrainState<CounterState> { State = Sample(), ETag = "made-up" }));

        Assert.Null(await GetRawAsync(Grain));
    }

    [Fact]
    public async Task Clear_RemovesTheRecord_ThenAWriteExpectingNoneSucceeds()
    {
        var storage = NewStorage();
        var state = new GrainState<CounterState> { State = Sample() };
        await storage.WriteStateAsync(StateName, Grain, state);

        await storage.ClearStateAsync(StateName, Grain, state);

        Assert.Null(await GetRawAsync(Grain));
        Assert.Equal((null, false, 0), (state.ETag, state.RecordExists, state.State!.Count));
        var read = new GrainState<CounterState>();
        await NewStorage().ReadStateAsync(StateName, Grain, read);
        Assert.False(read.RecordExists);
        await storage.WriteStateAsync(StateName, Grain, state);
        Assert.NotNull(await GetRawAsync(Grain));
    }

    [Fact]
    public async Task Clear_StaleETag_ThrowsAndKeepsTheRecord()
    {
        await NewStorage().WriteStateAsync(StateName, Grain, new GrainState<CounterState> { State = Sample() });
        var before = await GetRawAsync(Grain);

        await Assert.ThrowsAsync<InconsistentStateException>(() =>
            NewStorage().ClearStateAsync(StateName, Grain, new GrainState<CounterState> { State = Sample(), ETag = "stale" }));

        Assert.Equal(before, await GetRawAsync(Grain));
    }

    [Fact]
    public async Task Clear_NoRecordAndNoETag_DoesNothing()
    {
        var state = new GrainState<CounterState>();

        await NewStorage().ClearStateAsync(StateName, Grain, state);

        Assert.False(state.RecordExists);
    }

    [Fact]
    public async Task ConcurrentWriters_OnTwoInstances_WithTheSameETag_ExactlyOneWins()
    {
        var initial = new GrainState<CounterState> { State = Sample() };
        await NewStorage().WriteStateAsync(StateName, Grain, initial);
        var instances = new[] { NewStorage(), NewStorage() };

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(async i =>
        {
            var attempt = new GrainState<CounterState> { State = new CounterState { Count = 100 + i }, ETag = initial.ETag, RecordExists = true };
            try
            {
                await instances[i % 2].WriteStateAsync(StateName, Grain, attempt);
                return attempt.State!.Count;
            }
            catch (InconsistentStateException)
            {
                return -1;
            }
        }));

        var winner = Assert.Single(results, r => r >= 0);
        var read = new GrainState<CounterState>();
        await NewStorage().ReadStateAsync(StateName, Grain, read);
        Assert.Equal(winner, read.State!.Count);
    }

    [Fact]
    public async Task LargeState_RoundTrips()
    {
        // A long trial: 200,000 step losses and 64 rounds of 300 scored ranks (several MB of JSON).
        var scores = Enumerable.Range(0, 300).Select(i => new RankImportance { Module = $"model.layers.{i % 30}.mlp.up_proj", Rank = i % 16, Importance = i * 1e-3, CeWithout = 2.5, CeOnly = 2.6 }).ToList();
        var state = new ExperimentState
        {
            StepLosses = [.. Enumerable.Range(0, 200_000).Select(i => 1.0 / (i + 1))],
            Rounds = [.. Enumerable.Range(1, 64).Select(r => new AllocationRoundSummary { Round = r, Step = r * 100, Scores = [.. scores] })],
        };
        var written = new GrainState<ExperimentState> { State = state };
        await NewStorage().WriteStateAsync(StateName, Grain, written);

        var read = new GrainState<ExperimentState>();
        await NewStorage().ReadStateAsync(StateName, Grain, read);

        Assert.True((await GetRawAsync(Grain))!.Length > 4_000_000);
        Assert.Equal(state.StepLosses, read.State!.StepLosses);
        Assert.Equal(64, read.State!.Rounds.Count);
        Assert.Equal(scores, read.State!.Rounds[^1].Scores);
        Assert.Equal(written.ETag, read.ETag);
    }

    [Fact]
    public async Task DifferentKeysAndStateNames_AreSeparateRecords()
    {
        var storage = NewStorage();
        var keys = new[] { "node-a/cpu:0", "node-a%2Fcpu%3A0", "node-a_cpu_0", "Sweep", "sweep", " a ", "..", "../../etc/passwd", new string('k', 400) };
        foreach (var key in keys)
        {
            await storage.WriteStateAsync(StateName, GrainId.Create("trainer", key), new GrainState<CounterState> { State = new CounterState { Label = key } });
        }

        foreach (var key in keys)
        {
            var read = new GrainState<CounterState>();
            await NewStorage().ReadStateAsync(StateName, GrainId.Create("trainer", key), read);
            Assert.Equal(key, read.State!.Label);
        }

        var other = new GrainState<CounterState>();
        await storage.ReadStateAsync("other", GrainId.Create("trainer", "sweep"), other);
        Assert.False(other.RecordExists);
    }

    public static TheoryData<string, string> UnreadableRecords => new()
    {
        { "", "not valid JSON" },
        { "garbage \u0000 written by hand", "not valid JSON" },
        { "{ \"schema_version\": 1, \"state_type\": ", "not valid JSON" },
        { "[1, 2]", "not an object" },
        { "{\"schema_version\": 1, \"state_type\": \"test.TolerantState\", \"state\": {}}", "no string 'etag'" },
        { "{\"schema_version\": 2, \"state_type\": \"test.TolerantState\", \"etag\": \"e\", \"written_at\": \"2030-01-01T00:00:00Z\", \"state\": {}}", "schema_version 2 is not supported" },
        { "{\"schema_version\": 1, \"state_type\": \"test.OtherState\", \"etag\": \"e\", \"state\": {}}", "'test.OtherState'" },
        { "{\"schema_version\": 1, \"state_type\": \"test.TolerantState\", \"etag\": \"e\", \"state\": {\"count\": \"many\"}}", "does not fit TolerantState" },
    };

    [Theory]
    [MemberData(nameof(UnreadableRecords))]
    public async Task UnreadableRecord_PlainState_ReadThrowsNamingTheRecordAndTheReason(string content, string reason)
    {
        await PutRawAsync(Grain, content.Replace("test.TolerantState", "test.CounterState", StringComparison.Ordinal).Replace("TolerantState", "CounterState", StringComparison.Ordinal));

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => NewStorage().ReadStateAsync(StateName, Grain, new GrainState<CounterState>()));

        Assert.Contains(Where(Grain), ex.Message, StringComparison.Ordinal);
        Assert.Contains(reason.Replace("TolerantState", "CounterState", StringComparison.Ordinal), ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(UnreadableRecords))]
    public async Task UnreadableRecord_TolerantState_ActivatesMarkedAndIsNeverOverwrittenOrCleared(string content, string reason)
    {
        await PutRawAsync(Grain, content);
        var storage = NewStorage();
        var state = new GrainState<TolerantState>();

        await storage.ReadStateAsync(StateName, Grain, state);

        Assert.NotNull(state.State!.UnreadableReason);
        Assert.Contains(Where(Grain), state.State!.UnreadableReason, StringComparison.Ordinal);
        Assert.Contains(reason, state.State!.UnreadableReason, StringComparison.Ordinal);
        Assert.True(state.RecordExists);
        state.State!.Count = 5;
        await Assert.ThrowsAsync<InvalidOperationException>(() => storage.WriteStateAsync(StateName, Grain, state));
        await Assert.ThrowsAsync<InvalidOperationException>(() => storage.ClearStateAsync(StateName, Grain, state));
        await Assert.ThrowsAnyAsync<Exception>(() => NewStorage().WriteStateAsync(StateName, Grain, new GrainState<TolerantState> { State = new TolerantState() }));
        Assert.Equal(content, await GetRawAsync(Grain));
    }

    [Fact]
    public async Task UnreadableRecord_AfterRepair_IsReadAgain()
    {
        await PutRawAsync(Grain, "garbage");
        var broken = new GrainState<TolerantState>();
        await NewStorage().ReadStateAsync(StateName, Grain, broken);
        Assert.NotNull(broken.State!.UnreadableReason);

        await PutRawAsync(Grain, "{\"schema_version\": 1, \"state_type\": \"test.TolerantState\", \"etag\": \"fixed\", \"written_at\": \"2030-01-01T00:00:00Z\", \"state\": {\"count\": 9}}");
        var repaired = new GrainState<TolerantState>();
        await NewStorage().ReadStateAsync(StateName, Grain, repaired);

        Assert.Null(repaired.State!.UnreadableReason);
        Assert.Equal((9, "fixed"), (repaired.State!.Count, repaired.ETag));
        repaired.State!.Count = 10;
        await NewStorage().WriteStateAsync(StateName, Grain, repaired);
    }

    [Fact]
    public async Task ListKeys_GivesTheKeysOfOneStateAndGrainType_UnreadableRecordsIncluded()
    {
        var storage = NewStorage();
        foreach (var key in new[] { "sweep-b", "con", "a1" })
        {
            await storage.WriteStateAsync(StateName, GrainId.Create("sweepcoordinator", key), new GrainState<CounterState> { State = Sample() });
        }

        await storage.WriteStateAsync(StateName, GrainId.Create("experiment", "sweep-b-0123456789ab"), new GrainState<CounterState> { State = Sample() });
        await storage.WriteStateAsync("other", GrainId.Create("sweepcoordinator", "elsewhere"), new GrainState<CounterState> { State = Sample() });
        await PutRawAsync(GrainId.Create("sweepcoordinator", "broken"), "{ garbage");

        var keys = await ((IStoredGrainRecords)NewStorage()).ListKeysAsync(StateName, "sweepcoordinator", CancellationToken.None);

        Assert.Equal(["a1", "broken", "con", "sweep-b"], keys);
        Assert.Empty(await ((IStoredGrainRecords)NewStorage()).ListKeysAsync(StateName, "nothing", CancellationToken.None));
    }

    [Fact]
    public async Task SetAside_KeepsTheRecordUnderASuffix_TheGrainThenHasNoRecord()
    {
        await PutRawAsync(Grain, "{ garbage");
        var records = (IStoredGrainRecords)NewStorage();

        var where = await records.SetAsideAsync(StateName, Grain, ".unreadable-1", CancellationToken.None);

        Assert.EndsWith(".unreadable-1", where, StringComparison.Ordinal);
        Assert.Contains(Grain.Key.ToString()!, where, StringComparison.Ordinal);
        Assert.Null(await GetRawAsync(Grain));
        var state = new GrainState<TolerantState>();
        await NewStorage().ReadStateAsync(StateName, Grain, state);
        Assert.False(state.RecordExists);
        Assert.Null(state.State!.UnreadableReason);
        Assert.DoesNotContain(Grain.Key.ToString(), await records.ListKeysAsync(StateName, Grain.Type.ToString()!, CancellationToken.None));
        Assert.Null(await records.SetAsideAsync(StateName, Grain, ".unreadable-2", CancellationToken.None));
    }
}
