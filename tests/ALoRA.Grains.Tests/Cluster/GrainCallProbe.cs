using System.Collections.Concurrent;

namespace ALoRA.Grains.Tests.Cluster;

/// <summary>
/// An incoming grain call filter on every silo of a <see cref="ClusterHarness"/> (kept across restarts): counts the
/// calls each grain receives, by <c>Interface/Method</c> and grain key, and fails those <see cref="Reject"/> picks.
/// </summary>
internal sealed class GrainCallProbe
{
    private readonly ConcurrentDictionary<(string Method, string Key), int> _calls = new();

    /// <summary>Calls for which this returns true fail with <see cref="InvalidOperationException"/> before they reach the grain.</summary>
    public Func<string, string, bool>? Reject { get; set; }

    /// <summary>
    /// Calls for which this returns true (given <c>Interface/Method</c>, key and result) run in the grain, then fail with
    /// <see cref="InvalidOperationException"/>: the caller never gets the answer, as when the caller's silo dies meanwhile.
    /// </summary>
    public Func<string, string, object?, bool>? LoseAnswer { get; set; }

    /// <summary>Calls of <paramref name="method"/> (<c>Interface/Method</c>) received so far, to keys <paramref name="keys"/> picks (all by default).</summary>
    public int Count(string method, Func<string, bool>? keys = null) =>
        _calls.Where(c => c.Key.Method == method && (keys is null || keys(c.Key.Key))).Sum(c => c.Value);

    public async Task OnCallAsync(IIncomingGrainCallContext context)
    {
        var method = $"{context.InterfaceMethod?.DeclaringType?.Name}/{context.InterfaceMethod?.Name}";
        var key = context.TargetId.Key.ToString() ?? "";
        _calls.AddOrUpdate((method, key), 1, (_, n) => n + 1);
        if (Reject?.Invoke(method, key) == true)
        {
            throw new InvalidOperationException($"{method} to {key} rejected by the test");
        }

        await context.Invoke();
        if (LoseAnswer?.Invoke(method, key, context.Result) == true)
        {
            throw new InvalidOperationException($"the answer of {method} to {key} was lost by the test");
        }
    }
}
