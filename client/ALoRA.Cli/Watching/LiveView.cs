using System.Globalization;
using System.Text;
using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Trials;

namespace ALoRA.Cli.Watching;

/// <summary>
/// The human view of <c>alora watch</c>: a line per finished allocation round and per trial state change, and, on a
/// terminal, a block redrawn in place with one progress bar per running trial (step of total, loss, dev loss, ranks
/// moved so far) and the queued/running/done counts. Without a terminal (redirected output) the block is printed
/// as a counts line every few seconds instead. Lines go to stderr when stdout is JSON-only, else to stdout.
/// </summary>
internal sealed class LiveView(TextWriter? terminal, string sweepId, TextWriter lines)
{
    private readonly Dictionary<string, TrialStatus> _trials = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TrialProgress> _progress = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TrialState> _announced = new(StringComparer.Ordinal);
    private int _drawn;
    private DateTime _lastCounts = DateTime.MinValue;
    private string _lastCountsText = "";

    public void Apply(SweepEvent e)
    {
        if (e.StateChange is { } s)
        {
            _trials[s.TrialId] = s;
            Announce(s);
        }

        if (e.Progress is { } p)
        {
            _progress[p.TrialId] = p;
            if (p.Kind == TrialProgressKind.AllocationRound && p.Round is { } r)
            {
                Line((
                    $"round {r.Round} of {Short(p.TrialId)} at step {r.Step}: scored {r.Scores.Count} ranks in {r.ScoringSeconds:F1} s, pruned {r.Pruned.Count}, " +
                    $"added {r.Added.Values.Sum()} to {r.Added.Count} modules, dev loss {r.DevLoss:F4}"));
            }
        }
    }

    public void Update(SweepStatus status)
    {
        foreach (var t in status.Trials)
        {
            _trials[t.TrialId] = t;
            if (_announced.ContainsKey(t.TrialId))
            {
                // A change the feed did not carry (e.g. it was missed while reconnecting).
                Announce(t);
            }
            else
            {
                _announced[t.TrialId] = t.State;
            }
        }

        Draw(status);
    }

    public void Note(string message) => Line(message);

    private void Announce(TrialStatus t)
    {
        if (_announced.TryGetValue(t.TrialId, out var before) && before == t.State)
        {
            return;
        }

        _announced[t.TrialId] = t.State;
        Line(StateLine(t));
    }

    public void Finish(SweepStatus status)
    {
        Draw(status);
        _drawn = 0;
        Line($"sweep {sweepId} {status.State.ToString().ToLowerInvariant()}: {Counts(status)}");
    }

    private static string Short(string trialId) => trialId.Length > 12 ? trialId[^12..] : trialId;

    private static string Counts(SweepStatus s) =>
        $"{s.Count(TrialState.Queued)} queued, {s.Count(TrialState.Running)} running, {s.Count(TrialState.Completed)} completed" +
        (s.Count(TrialState.Failed) > 0 ? $", {s.Count(TrialState.Failed)} failed" : "") +
        (s.Count(TrialState.Cancelled) > 0 ? $", {s.Count(TrialState.Cancelled)} cancelled" : "");

    private static string Describe(TrialStatus t) =>
        $"{t.Method} seed {t.Seed}" + string.Concat(t.SearchValues.Where(kv => kv.Key != "method").Select(kv => $" {kv.Key.Split('.')[^1]}={kv.Value}"));

    private static string StateLine(TrialStatus t) => t.State switch
    {
        TrialState.Running => $"started   {Short(t.TrialId)} ({Describe(t)}) on {t.Trainer?.Split('@')[0]} (attempt {t.Attempt})",
        TrialState.Completed => (
            $"completed {Short(t.TrialId)} ({Describe(t)}): dev acc {100 * t.Result?.DevMetric:F1} %, test acc {100 * t.Result?.TestMetric:F1} %, " +
            $"params {t.Result?.InitialTrainableParameters} -> {t.Result?.FinalTrainableParameters}"),
        TrialState.Failed => $"failed    {Short(t.TrialId)} ({Describe(t)}): {t.Error}",
        TrialState.Queued when t.Attempt > 0 => $"requeued  {Short(t.TrialId)} ({Describe(t)}): {t.Error ?? "its trainer went away"}",
        TrialState.Queued => $"queued    {Short(t.TrialId)} ({Describe(t)})",
        _ => $"{t.State.ToString().ToLowerInvariant(),-9} {Short(t.TrialId)}",
    };

    private void Draw(SweepStatus status)
    {
        var counts = Counts(status);
        if (terminal is null)
        {
            if (counts != _lastCountsText && DateTime.UtcNow - _lastCounts > TimeSpan.FromSeconds(5))
            {
                lines.WriteLine($"[{DateTime.Now:HH:mm:ss}] {counts}");
                (_lastCounts, _lastCountsText) = (DateTime.UtcNow, counts);
            }

            return;
        }

        var block = new StringBuilder();
        foreach (var t in status.Trials.Where(t => t.State == TrialState.Running))
        {
            var p = _progress.GetValueOrDefault(t.TrialId);
            var step = Math.Max(t.Step, p?.Step ?? 0);
            var total = Math.Max(1, Math.Max(t.TotalSteps, p?.TotalSteps ?? 0));
            var filled = (int)Math.Round(24.0 * Math.Min(step, total) / total);
            block.Append(CultureInfo.InvariantCulture,
                $"  [{new string('#', filled)}{new string('-', 24 - filled)}] {step,5}/{total} loss {p?.Loss ?? t.Loss:F3} dev {t.DevLoss:F3} moved {t.RanksMoved,3}  {Describe(t)}\n");
        }

        block.Append(CultureInfo.InvariantCulture, $"  {counts}\n");
        Erase();
        terminal.Write(block.ToString());
        _drawn = block.ToString().Count(c => c == '\n');
    }

    private void Line(string text)
    {
        Erase();
        lines.WriteLine(text);
    }

    private void Erase()
    {
        if (terminal is null || _drawn == 0)
        {
            return;
        }

        terminal.Write($"\u001b[{_drawn}A\u001b[J");
        _drawn = 0;
    }
}
