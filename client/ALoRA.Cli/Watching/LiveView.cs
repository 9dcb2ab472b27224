using System.Globalization;
using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Trials;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace ALoRA.Cli.Watching;

/// <summary>
/// The human view of <c>alora watch</c>: a line per finished allocation round and per trial state change, and, on a
/// terminal, a block redrawn in place with one progress bar per running trial (step of total, loss, dev loss, ranks
/// moved so far) and the queued/running/done counts. On a terminal the block is a Spectre.Console live display (run
/// the watch inside <see cref="RunAsync{T}"/>): it is redrawn by screen rows, so lines wider than the terminal wrap
/// without leaving garbage, and the lines are written above it. Without a terminal (redirected output) the block is
/// printed as a counts line every few seconds instead. Lines go to stderr when stdout is JSON-only, else to stdout.
/// </summary>
/// <param name="terminal">The terminal to draw on, or null for plain lines.</param>
/// <param name="sweepId">The sweep watched.</param>
/// <param name="lines">Where plain lines go when there is no terminal.</param>
internal sealed class LiveView(IAnsiConsole? terminal, string sweepId, TextWriter lines)
{
    private const int BarWidth = 24;

    private readonly Dictionary<string, TrialStatus> _trials = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TrialProgress> _progress = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TrialState> _announced = new(StringComparer.Ordinal);
    private LiveDisplayContext? _live;
    private DateTime _lastCounts = DateTime.MinValue;
    private string _lastCountsText = "";

    /// <summary>Runs <paramref name="body"/> (the watch) with the live display shown on the terminal, if there is one.</summary>
    public async Task<T> RunAsync<T>(Func<Task<T>> body)
    {
        if (terminal is null)
        {
            return await body();
        }

        T result = default!;
        await terminal.Live(new Text("")).AutoClear(false).Overflow(VerticalOverflow.Ellipsis).StartAsync(async context =>
        {
            _live = context;
            try
            {
                result = await body();
            }
            finally
            {
                _live = null;
            }
        });
        return result;
    }

    /// <summary>Shows what one feed event says (state changes and allocation rounds as lines).</summary>
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

    /// <summary>Takes a status snapshot (announcing changes the feed did not carry) and redraws the block.</summary>
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

    /// <summary>Writes a line (e.g. a reconnection).</summary>
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

    /// <summary>Draws the final block and the sweep's end line under it.</summary>
    public void Finish(SweepStatus status)
    {
        var end = $"sweep {sweepId} {status.State.ToString().ToLowerInvariant()}: {Counts(status)}";
        if (terminal is null || _live is null)
        {
            Draw(status);
            Line(end);
            return;
        }

        // The end line joins the live block, which stays on the screen when the display stops.
        _live.UpdateTarget(new Rows(Block(status), new Text(end)));
        _live.Refresh();
    }

    private static string Short(string trialId) => trialId.Length > 12 ? trialId[^12..] : trialId;

    private static string Counts(SweepStatus s) =>
        $"{s.Count(TrialState.Queued)} queued, {s.Count(TrialState.Running)} running, {s.Count(TrialState.Completed)} completed" +
        (s.Count(TrialState.Failed) > 0 ? $", {s.Count(TrialState.Failed)} failed" : "") +
        (s.Count(TrialState.Cancelled) > 0 ? $", {s.Count(TrialState.Cancelled)} cancelled" : "") +
        (s.Count(TrialState.Stopped) > 0 ? $", {s.Count(TrialState.Stopped)} stopped early" : "");

    private static string Describe(TrialStatus t) =>
        $"{t.Method} seed {t.Seed}" + string.Concat(t.SearchValues.Where(kv => kv.Key != "method").Select(kv => $" {kv.Key.Split('.')[^1]}={kv.Value}"));

    private static string StateLine(TrialStatus t) => t.State switch
    {
        TrialState.Running => $"started   {Short(t.TrialId)} ({Describe(t)}) on {t.Trainer?.Split('@')[0]} (attempt {t.Attempt})",
        TrialState.Completed => (
            $"completed {Short(t.TrialId)} ({Describe(t)}): dev acc {100 * t.Result?.DevMetric:F1} %, test acc {100 * t.Result?.TestMetric:F1} %, " +
            $"params {t.Result?.InitialTrainableParameters} -> {t.Result?.FinalTrainableParameters}"),
        TrialState.Failed => $"failed    {Short(t.TrialId)} ({Describe(t)}): {t.Error}",
        TrialState.Stopped => $"stopped   {Short(t.TrialId)} ({Describe(t)}): {t.Error}",
        TrialState.Queued when t.Attempt > 0 => $"requeued  {Short(t.TrialId)} ({Describe(t)}): {t.Error ?? "its trainer went away"}",
        TrialState.Queued => $"queued    {Short(t.TrialId)} ({Describe(t)})",
        _ => $"{t.State.ToString().ToLowerInvariant(),-9} {Short(t.TrialId)}",
    };

    private void Draw(SweepStatus status)
    {
        var counts = Counts(status);
        if (terminal is null || _live is null)
        {
            if (counts != _lastCountsText && DateTime.UtcNow - _lastCounts > TimeSpan.FromSeconds(5))
            {
                lines.WriteLine($"[{DateTime.Now:HH:mm:ss}] {counts}");
                (_lastCounts, _lastCountsText) = (DateTime.UtcNow, counts);
            }

            return;
        }

        _live.UpdateTarget(Block(status));
        _live.Refresh();
    }

    /// <summary>
    /// One row per running trial (bar, step, losses, ranks moved, description), cut with an ellipsis to the terminal's
    /// width so that each trial keeps one row, and the counts (which wrap).
    /// </summary>
    private IRenderable Block(SweepStatus status)
    {
        var width = Math.Max(10, terminal!.Profile.Width);
        var rows = new List<IRenderable>();
        foreach (var t in status.Trials.Where(t => t.State == TrialState.Running))
        {
            var p = _progress.GetValueOrDefault(t.TrialId);
            var step = Math.Max(t.Step, p?.Step ?? 0);
            var total = Math.Max(1, Math.Max(t.TotalSteps, p?.TotalSteps ?? 0));
            var filled = (int)Math.Round(BarWidth * (double)Math.Min(step, total) / total);
            var rest = string.Create(CultureInfo.InvariantCulture, $"] {step,5}/{total} loss {p?.Loss ?? t.Loss:F3} dev {t.DevLoss:F3} moved {t.RanksMoved,3}  {Describe(t)}");
            var line = $"  [{new string('#', filled)}{new string('-', BarWidth - filled)}{rest}";
            if (line.Length > width)
            {
                rows.Add(new Text(line[..(width - 1)] + "\u2026"));
                continue;
            }

            rows.Add(new Paragraph()
                .Append($"  [")
                .Append(new string('#', filled), new Style(Color.Green))
                .Append(new string('-', BarWidth - filled) + rest));
        }

        rows.Add(new Text($"  {Counts(status)}"));
        return new Rows(rows);
    }

    private void Line(string text)
    {
        if (terminal is null || _live is null)
        {
            lines.WriteLine(text);
            return;
        }

        // Written through the console while the live display runs: it goes above the block, which is redrawn below it.
        terminal.Write(new LineAboveLive(text));
    }
}
