using ALoRA.Grains.Storage;

namespace ALoRA.Grains.Tests.Storage;

public sealed class KeyedAsyncLockTests
{
    [Fact]
    public async Task SameKey_IsExclusive_OtherKeysAreNot()
    {
        var locks = new KeyedAsyncLock();
        var a = await locks.AcquireAsync("a", CancellationToken.None);

        var secondA = locks.AcquireAsync("a", CancellationToken.None);
        var b = await locks.AcquireAsync("b", CancellationToken.None);
        Assert.False(secondA.IsCompleted);

        a.Dispose();
        (await secondA).Dispose();
        b.Dispose();
        Assert.Equal(0, locks.Count);
    }

    [Fact]
    public async Task CancelledWait_ReleasesItsEntry()
    {
        var locks = new KeyedAsyncLock();
        var held = await locks.AcquireAsync("a", CancellationToken.None);
        using var cts = new CancellationTokenSource();

        var waiting = locks.AcquireAsync("a", cts.Token);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        held.Dispose();
        held.Dispose();

        Assert.Equal(0, locks.Count);
    }
}
