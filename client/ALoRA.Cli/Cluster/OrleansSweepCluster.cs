using System.Runtime.CompilerServices;
using ALoRA.Abstractions.Cluster;
using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Grains;
using ALoRA.Abstractions.Trials;
using Microsoft.Extensions.Hosting;
using Orleans.Runtime.Messaging;

namespace ALoRA.Cli.Cluster;

/// <summary>
/// The cluster through Orleans: every grain call the CLI makes. It owns the host (an Orleans client to a gateway, or
/// a silo in this process for <c>--local</c>) and stops it when disposed. Transport failures become
/// <see cref="ClusterConnectionLostException"/> so that callers need no Orleans exception types.
/// </summary>
/// <param name="host">The started host (client or silo).</param>
/// <param name="grains">Its grain factory.</param>
/// <param name="description">What it is connected to.</param>
internal sealed class OrleansSweepCluster(IHost host, IGrainFactory grains, string description) : ISweepCluster
{
    /// <inheritdoc />
    public string Description { get; } = description;

    /// <inheritdoc />
    public Task<SweepSubmitted> SubmitAsync(string sweepId, SweepDefinition definition, CancellationToken cancellationToken) =>
        Call(() => Coordinator(sweepId).SubmitAsync(definition), cancellationToken);

    /// <inheritdoc />
    public Task<SweepStatus> GetSweepAsync(string sweepId, CancellationToken cancellationToken) =>
        Call(() => Coordinator(sweepId).GetStatusAsync(), cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<SweepEvents> WatchAsync(string sweepId, long afterSequence, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var pages = Coordinator(sweepId).WatchAsync(afterSequence, cancellationToken).GetAsyncEnumerator(cancellationToken);
        var clean = false;
        try
        {
            while (true)
            {
                bool more;
                try
                {
                    more = await pages.MoveNextAsync();
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is EnumerationAbortedException or OperationCanceledException)
                {
                    throw new FeedInterruptedException($"feed interrupted ({ex.GetType().Name})", ex);
                }
                catch (Exception ex) when (IsConnectionLoss(ex))
                {
                    throw new ClusterConnectionLostException($"connection lost ({ex.GetType().Name}: {ex.Message})", ex);
                }

                if (!more)
                {
                    break;
                }

                yield return pages.Current;
            }

            clean = true;
        }
        finally
        {
            if (clean)
            {
                await pages.DisposeAsync();
            }
            else
            {
                // Disposing tells the coordinator, which may be gone: do not wait for it.
                _ = pages.DisposeAsync().AsTask();
            }
        }
    }

    /// <inheritdoc />
    public Task CancelAsync(string sweepId, CancellationToken cancellationToken) =>
        Call(async () =>
        {
            await Coordinator(sweepId).CancelAsync();
            return true;
        }, cancellationToken);

    /// <inheritdoc />
    public Task<TrialDetails> GetTrialAsync(string trialId, CancellationToken cancellationToken) =>
        Call(() => grains.GetGrain<IExperimentGrain>(trialId).GetDetailsAsync(), cancellationToken);

    /// <inheritdoc />
    public Task<ClusterStatus> GetClusterAsync(CancellationToken cancellationToken) =>
        Call(() => grains.GetGrain<ISchedulerGrain>(SchedulerKeys.Default).GetClusterStatusAsync(), cancellationToken);

    /// <inheritdoc />
    public async Task<TrialDetails> ExportAdapterAsync(string trialId, string targetDirectory, CancellationToken cancellationToken)
    {
        var details = await GetTrialAsync(trialId, cancellationToken);
        if (details.Spec.SweepId.Length == 0)
        {
            throw new KeyNotFoundException($"no trial '{trialId}'");
        }

        if (details.Status.Result is null)
        {
            throw new ArgumentException($"trial {trialId} is {details.Status.State.ToString().ToLowerInvariant()}: it has no adapter yet");
        }

        // Through the cluster: a silo reads the checkpoint store, so this machine needs no access to it.
        await Call(() => AdapterDownload.DownloadAsync(grains, trialId, targetDirectory, cancellationToken), cancellationToken);
        return details;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await host.StopAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
        }

        host.Dispose();
    }

    private ISweepCoordinatorGrain Coordinator(string sweepId) => grains.GetGrain<ISweepCoordinatorGrain>(sweepId);

    private static async Task<T> Call<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call().WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (IsConnectionLoss(ex))
        {
            throw new ClusterConnectionLostException($"connection lost ({ex.GetType().Name}: {ex.Message})", ex);
        }
    }

    private static bool IsConnectionLoss(Exception ex) =>
        ex is OrleansMessageRejectionException or SiloUnavailableException or ConnectionFailedException
            or GatewayTooBusyException or ClientNotAvailableException or ObjectDisposedException
        || (ex is OrleansException && ex.Message.Contains("gateway", StringComparison.OrdinalIgnoreCase));
}
