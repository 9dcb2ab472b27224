using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ALoRA.Engine.Training;

/// <summary>
/// AdamW (decoupled weight decay, PyTorch's update rule) over named adapter parameters. The state is explicit
/// (first and second moments and a step count per parameter name) so it can be checkpointed, restored and, when a
/// module's rank changes, resized: moments of existing entries are kept and new entries start at zero.
/// </summary>
public sealed class LoraAdamW : IDisposable
{
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
            var bias1 = 1 - Math.Pow(Beta1, slot.Step);
            var bias2Sqrt = Math.Sqrt(1 - Math.Pow(Beta2, slot.Step));
            using var invBias2 = (1.0 / bias2Sqrt).ToScalar();
            using var eps = Eps.ToScalar();
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

    /// <summary>The moments as tensors named <c>{param}.exp_avg</c> / <c>{param}.exp_avg_sq</c>, and the step counts.</summary>
    public (Dictionary<string, Tensor> Moments, Dictionary<string, long> Steps) StateDict() =>
        (_slots.SelectMany(p => new[] { ($"{p.Key}.exp_avg", p.Value.ExpAvg), ($"{p.Key}.exp_avg_sq", p.Value.ExpAvgSq) })
               .ToDictionary(p => p.Item1, p => p.Item2),
         _slots.ToDictionary(p => p.Key, p => p.Value.Step));

    /// <summary>Restores moments and step counts saved by <see cref="StateDict"/>; every parameter must be present with its shape.</summary>
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

        slot.ExpAvg.Dispose();
        slot.ExpAvgSq.Dispose();
        _slots[name] = new Slot(replacement, m, v) { Step = slot.Step };
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var slot in _slots.Values)
        {
            slot.ExpAvg.Dispose();
            slot.ExpAvgSq.Dispose();
        }
    }

    private sealed class Slot(Parameter parameter, Tensor expAvg, Tensor expAvgSq)
    {
        public Parameter Parameter { get; } = parameter;

        public Tensor ExpAvg { get; } = expAvg;

        public Tensor ExpAvgSq { get; } = expAvgSq;

        public long Step { get; set; }
    }
}
