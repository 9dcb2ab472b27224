using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ALoRA.Engine.Training;

/// <summary>
/// AdamW (decoupled weight decay, PyTorch's update rule) over named adapter parameters. The state is explicit
/// (first and second moments and a step count per parameter name) so it can be checkpointed, restored and, when a
/// module's rank changes, resized: moments of existing entries are kept and new entries start at zero with their own
/// step count, so their bias correction starts again as a new parameter's would (docs/alora-method.md, "Optimizer
/// state of new ranks"). Entries with their own step counts are saved as <c>{param}.entry_steps</c> beside the moments.
/// </summary>
public sealed class LoraAdamW : IDisposable
{
    /// <summary>Suffix of the per-entry step counts in <see cref="StateDict"/>.</summary>
    public const string EntryStepsSuffix = ".entry_steps";

    private readonly Dictionary<string, Slot> _slots = new(StringComparer.Ordinal);

    /// <summary>Creates the optimizer; moments start at zero.</summary>
    public LoraAdamW(IEnumerable<(string Name, Parameter Parameter)> parameters, double beta1 = 0.9, double beta2 = 0.999,
                     double eps = 1e-8, double weightDecay = 0.0)
    {
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
        WeightDecay = weightDecay;
        foreach (var (name, p) in parameters)
        {
            _slots[name] = new Slot(p, zeros_like(p).DetachFromDisposeScope(), zeros_like(p).DetachFromDisposeScope());
        }
    }

    /// <summary>beta1.</summary>
    public double Beta1 { get; }

    /// <summary>beta2.</summary>
    public double Beta2 { get; }

    /// <summary>eps.</summary>
    public double Eps { get; }

    /// <summary>Decoupled weight decay.</summary>
    public double WeightDecay { get; }

    /// <summary>Parameter names in insertion order.</summary>
    public IEnumerable<string> Names => _slots.Keys;

    /// <summary>The parameters.</summary>
    public IEnumerable<Parameter> Parameters => _slots.Values.Select(s => s.Parameter);

    /// <summary>One update with learning rate <paramref name="lr"/>; parameters without a gradient are skipped.</summary>
    public void Step(double lr)
    {
        using var noGrad = no_grad();
        using var beta1 = Beta1.ToScalar();
        using var oneMinusBeta1 = (1 - Beta1).ToScalar();
        using var beta2 = Beta2.ToScalar();
        using var oneMinusBeta2 = (1 - Beta2).ToScalar();
        using var decay = (1 - lr * WeightDecay).ToScalar();
        foreach (var slot in _slots.Values)
        {
            // The grad getter returns a new wrapper each call: keep it inside the scope so it is released.
            using var scope = NewDisposeScope();
            var grad = slot.Parameter.grad;
            if (grad is null)
            {
                continue;
            }

            slot.Step++;
            if (WeightDecay != 0)
            {
                slot.Parameter.mul_(decay);
            }

            slot.ExpAvg.mul_(beta1).add_(grad, oneMinusBeta1);
            slot.ExpAvgSq.mul_(beta2).addcmul_(grad, grad, oneMinusBeta2);
            using var eps = Eps.ToScalar();
            if (slot.EntrySteps is { } entrySteps)
            {
                // Entries at different steps (ranks added by a re-allocation): bias corrections per entry, along the rank axis.
                for (var e = 0; e < entrySteps.Length; e++)
                {
                    entrySteps[e]++;
                }

                var stepSizes = tensor(entrySteps.Select(t => (float)(-lr / (1 - Math.Pow(Beta1, t)))).ToArray(), slot.EntryShape, device: slot.Parameter.device);
                var invBias2s = tensor(entrySteps.Select(t => (float)(1.0 / Math.Sqrt(1 - Math.Pow(Beta2, t)))).ToArray(), slot.EntryShape, device: slot.Parameter.device);
                var entryDenom = slot.ExpAvgSq.sqrt().mul_(invBias2s).add_(eps);
                slot.Parameter.addcdiv_(slot.ExpAvg.mul(stepSizes), entryDenom);
                continue;
            }

            var bias1 = 1 - Math.Pow(Beta1, slot.Step);
            var bias2Sqrt = Math.Sqrt(1 - Math.Pow(Beta2, slot.Step));
            using var invBias2 = (1.0 / bias2Sqrt).ToScalar();
            using var stepSize = (-lr / bias1).ToScalar();
            var denom = slot.ExpAvgSq.sqrt().mul_(invBias2).add_(eps);
            slot.Parameter.addcdiv_(slot.ExpAvg, denom, stepSize);
        }
    }

    /// <summary>Clears every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        foreach (var slot in _slots.Values)
        {
            slot.Parameter.grad = null;
        }
    }

    /// <summary>
    /// The moments as tensors named <c>{param}.exp_avg</c> / <c>{param}.exp_avg_sq</c>, the step count of every
    /// entry that has its own as <c>{param}.entry_steps</c> (int64, 1 on every axis but the rank axis; only for
    /// parameters whose entries are at different steps), and the step counts per parameter.
    /// </summary>
    public (Dictionary<string, Tensor> Moments, Dictionary<string, long> Steps) StateDict()
    {
        var moments = _slots.SelectMany(p => new[] { ($"{p.Key}.exp_avg", p.Value.ExpAvg), ($"{p.Key}.exp_avg_sq", p.Value.ExpAvgSq) })
                            .ToDictionary(p => p.Item1, p => p.Item2);
        foreach (var (name, slot) in _slots)
        {
            if (slot.EntrySteps is { } entrySteps)
            {
                slot.EntryStepsTensor?.Dispose();
                slot.EntryStepsTensor = tensor(entrySteps, slot.EntryShape).DetachFromDisposeScope();
                moments[name + EntryStepsSuffix] = slot.EntryStepsTensor;
            }
        }

        return (moments, _slots.ToDictionary(p => p.Key, p => p.Value.Step));
    }

    /// <summary>
    /// Restores moments and step counts saved by <see cref="StateDict"/>; every parameter must be present with its
    /// shape. A parameter without <c>{param}.entry_steps</c> (and any state saved before entries had their own steps)
    /// has every entry at the parameter's step count.
    /// </summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> moments, IReadOnlyDictionary<string, long> steps)
    {
        using var noGrad = no_grad();
        foreach (var (name, slot) in _slots)
        {
            if (!moments.TryGetValue($"{name}.exp_avg", out var m) || !moments.TryGetValue($"{name}.exp_avg_sq", out var v) || !steps.TryGetValue(name, out var step))
            {
                throw new InvalidDataException($"optimizer state has no moments for parameter '{name}'");
            }

            if (!m.shape.SequenceEqual(slot.Parameter.shape) || !v.shape.SequenceEqual(slot.Parameter.shape))
            {
                throw new InvalidDataException($"optimizer state for '{name}' has shape [{string.Join(", ", m.shape)}], parameter has [{string.Join(", ", slot.Parameter.shape)}]");
            }

            slot.ExpAvg.copy_(m);
            slot.ExpAvgSq.copy_(v);
            slot.Step = step;
            slot.EntrySteps = null;
            if (moments.TryGetValue(name + EntryStepsSuffix, out var entries))
            {
                var shape = slot.Parameter.shape;
                var dim = Enumerable.Range(0, shape.Length).Where(d => entries.shape.Length == shape.Length && entries.shape[d] == shape[d]
                    && Enumerable.Range(0, shape.Length).All(o => o == d || entries.shape[o] == 1)).DefaultIfEmpty(-1).First();
                if (dim < 0 || entries.dtype != ScalarType.Int64)
                {
                    throw new InvalidDataException(
                        $"optimizer state for '{name}' has entry steps of shape [{string.Join(", ", entries.shape)}] ({entries.dtype}), parameter has [{string.Join(", ", shape)}]");
                }

                slot.EntryDim = dim;
                using var cpu = entries.cpu();
                slot.EntrySteps = cpu.data<long>().ToArray();
            }
        }
    }

    /// <summary>
    /// Points the slot of <paramref name="name"/> at a resized parameter. <paramref name="keep"/>, per old entry
    /// along <paramref name="dim"/>, gives its new position (or -1 when dropped); entries not mapped start at zero.
    /// </summary>
    public void Resize(string name, Parameter replacement, long dim, IReadOnlyList<int> keep)
    {
        var slot = _slots[name];
        using var noGrad = no_grad();
        var (m, v) = (zeros_like(replacement).DetachFromDisposeScope(), zeros_like(replacement).DetachFromDisposeScope());
        for (var oldIndex = 0; oldIndex < keep.Count; oldIndex++)
        {
            if (keep[oldIndex] >= 0)
            {
                m.select(dim, keep[oldIndex]).copy_(slot.ExpAvg.select(dim, oldIndex));
                v.select(dim, keep[oldIndex]).copy_(slot.ExpAvgSq.select(dim, oldIndex));
            }
        }

        // Entries keep their step counts; new ones start at 0, so their bias correction starts again.
        var entrySteps = new long[replacement.shape[dim]];
        for (var oldIndex = 0; oldIndex < keep.Count; oldIndex++)
        {
            if (keep[oldIndex] >= 0)
            {
                entrySteps[keep[oldIndex]] = slot.EntrySteps?[oldIndex] ?? slot.Step;
            }
        }

        slot.ExpAvg.Dispose();
        slot.ExpAvgSq.Dispose();
        slot.EntryStepsTensor?.Dispose();
        var all = entrySteps.Length > 0 && entrySteps.All(t => t == slot.Step);
        _slots[name] = new Slot(replacement, m, v) { Step = slot.Step, EntryDim = dim, EntrySteps = all ? null : entrySteps };
    }

    /// <summary>Step counts of the entries of <paramref name="name"/> along axis <paramref name="dim"/> (all the parameter's count unless <see cref="Resize"/> added entries there).</summary>
    /// <param name="name">A parameter name.</param>
    /// <param name="dim">Its rank axis.</param>
    public IReadOnlyList<long> EntrySteps(string name, int dim)
    {
        var slot = _slots[name];
        if (slot.EntrySteps is { } steps)
        {
            return slot.EntryDim == dim ? steps : throw new ArgumentException($"'{name}' counts steps along axis {slot.EntryDim}, not {dim}", nameof(dim));
        }

        return Enumerable.Repeat(slot.Step, (int)slot.Parameter.shape[dim]).ToArray();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var slot in _slots.Values)
        {
            slot.ExpAvg.Dispose();
            slot.ExpAvgSq.Dispose();
            slot.EntryStepsTensor?.Dispose();
        }
    }

    private sealed class Slot(Parameter parameter, Tensor expAvg, Tensor expAvgSq)
    {
        public Parameter Parameter { get; } = parameter;

        public Tensor ExpAvg { get; } = expAvg;

        public Tensor ExpAvgSq { get; } = expAvgSq;

        public long Step { get; set; }

        /// <summary>The rank axis (along which <see cref="Resize"/> adds and drops entries).</summary>
        public long EntryDim { get; set; }

        /// <summary>Step count of each entry along <see cref="EntryDim"/>; null while all are at <see cref="Step"/>.</summary>
        public long[]? EntrySteps { get; set; }

        /// <summary>The last <see cref="EntrySteps"/> handed out by <see cref="StateDict"/> (disposed with the slot).</summary>
        public Tensor? EntryStepsTensor { get; set; }

        /// <summary>The shape that spreads one value per entry over the parameter (1 on every other axis).</summary>
        public long[] EntryShape => Parameter.shape.Select((n, d) => d == EntryDim ? n : 1).ToArray();
    }
}
