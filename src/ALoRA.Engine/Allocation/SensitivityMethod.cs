using ALoRA.Engine.Data;
using ALoRA.Engine.Model;
using ALoRA.Engine.Scoring;
using static TorchSharp.torch;

namespace ALoRA.Engine.Allocation;

/// <summary>
/// <c>alora-sensi</c> (docs/alora-method.md section 6): AdaLoRA's sensitivity importance. After every training step of the
/// search, for each entry of A and B: <c>I = |theta * grad|</c>, <c>Ibar = b1 Ibar + (1 - b1) I</c>,
/// <c>U = b2 U + (1 - b2) |I - Ibar|</c> (AdaLoRA's order and defaults b1 = b2 = 0.85); an entry's score is
/// <c>Ibar * U</c> and a rank's importance is the sum over its row of A and its column of B. Gradients are taken
/// after clipping, as AdaLoRA sees them in its trainer.
/// </summary>
public sealed class SensitivityMethod : IAllocationMethod
{
    private readonly LlamaForCausalLM _model;
    private readonly double _beta1;
    private readonly double _beta2;
    private readonly Dictionary<string, Tensor> _state = new(StringComparer.Ordinal);

    /// <summary>Tracks sensitivity of <paramref name="model"/>'s adapters with smoothing factors <paramref name="beta1"/> and <paramref name="beta2"/>.</summary>
    public SensitivityMethod(LlamaForCausalLM model, double beta1 = 0.85, double beta2 = 0.85)
    {
        if (beta1 is < 0 or >= 1 || beta2 is < 0 or >= 1)
        {
            throw new ArgumentException($"alora-sensi: beta1 and beta2 must be in [0, 1), got {beta1} and {beta2}");
        }

        _model = model;
        _beta1 = beta1;
        _beta2 = beta2;
        foreach (var slot in model.Adapters)
        {
            foreach (var (name, p) in Parameters(slot))
            {
                _state[$"{name}.exp_avg_ipt"] = zeros_like(p).DetachFromDisposeScope();
                _state[$"{name}.exp_avg_unc"] = zeros_like(p).DetachFromDisposeScope();
            }
        }
    }

    /// <inheritdoc />
    public string Name => "alora-sensi";

    /// <inheritdoc />
    public bool Reallocates => true;

    /// <inheritdoc />
    public string Fingerprint => FormattableString.Invariant($"method=alora-sensi;beta1={_beta1:R};beta2={_beta2:R}");

    /// <inheritdoc />
    public void OnGradients()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        foreach (var slot in _model.Adapters)
        {
            foreach (var (name, p) in Parameters(slot))
            {
                var grad = p.grad;
                if (grad is null)
                {
                    continue;
                }

                var ipt = p.mul(grad).abs_();
                var avg = _state[$"{name}.exp_avg_ipt"];
                avg.mul_(_beta1).add_(ipt, 1 - _beta1);
                _state[$"{name}.exp_avg_unc"].mul_(_beta2).add_(ipt.sub_(avg).abs_(), 1 - _beta2);
            }
        }
    }

    /// <inheritdoc />
    public void OnStepCompleted(int step)
    {
    }

    /// <inheritdoc />
    public ScoreSet Score(Batch validationBatch, CancellationToken cancellationToken = default)
    {
        var baseCe = AbLoraScorer.BaseCe(_model, validationBatch);
        var scores = new List<RankScore>();
        for (var m = 0; m < _model.Adapters.Count; m++)
        {
            var slot = _model.Adapters[m];
            double[] perRank;
            using (var scope = NewDisposeScope())
            {
                var a = Sensitivity(AllocationApplier.LoraAName(slot.Path)).sum(dim: 1);
                var b = Sensitivity(AllocationApplier.LoraBName(slot.Path)).sum(dim: 0); // named: a bare 0 binds to sum(ScalarType?)
                perRank = a.add(b).to(ScalarType.Float64, CPU).data<double>().ToArray();
            }

            var gates = slot.Module.Gates;
            for (var i = 0; i < gates.Length; i++)
            {
                if (gates[i])
                {
                    scores.Add(new RankScore(m, slot.Path, i, null, null, perRank[i]));
                }
            }
        }

        return new ScoreSet(baseCe, scores, 1);
    }

    /// <inheritdoc />
    public void OnReallocated(AllocationResult result)
    {
        foreach (var module in result.Modules.Where(m => m.Changed))
        {
            var slot = _model.Adapters[module.ModuleIndex];
            foreach (var (name, p) in Parameters(slot))
            {
                var dim = name.EndsWith(".lora_A.weight", StringComparison.Ordinal) ? 0 : 1;
                foreach (var suffix in new[] { ".exp_avg_ipt", ".exp_avg_unc" })
                {
                    var old = _state[name + suffix];
                    _state[name + suffix] = RankRemap.Remap(old, p, dim, module.IndexMap);
                    old.Dispose();
                }
            }
        }
    }

    /// <inheritdoc />
    public void OnSearchFinished()
    {
    }

    /// <inheritdoc />
    public Dictionary<string, Tensor> StateDict() => _state.ToDictionary(p => p.Key, p => CpuCopy(p.Value), StringComparer.Ordinal);

    /// <inheritdoc />
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, bool searchFinished)
    {
        foreach (var slot in _model.Adapters)
        {
            foreach (var (name, p) in Parameters(slot))
            {
                foreach (var key in new[] { $"{name}.exp_avg_ipt", $"{name}.exp_avg_unc" })
                {
                    if (!state.TryGetValue(key, out var saved) || !saved.shape.SequenceEqual(p.shape))
                    {
                        throw new InvalidDataException($"alora-sensi state has no tensor '{key}' of shape [{string.Join(", ", p.shape)}]");
                    }

                    _state[key].Dispose();
                    _state[key] = saved.to(p.dtype, p.device).clone().DetachFromDisposeScope();
                }
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in _state.Values)
        {
            t.Dispose();
        }

        _state.Clear();
    }

    private static IEnumerable<(string Name, TorchSharp.Modules.Parameter Parameter)> Parameters(Lora.AdapterSlot slot) =>
    [
        (AllocationApplier.LoraAName(slot.Path), slot.Module.LoraA),
        (AllocationApplier.LoraBName(slot.Path), slot.Module.LoraB),
    ];

    private static Tensor CpuCopy(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.detach().cpu().clone().MoveToOuterDisposeScope();
    }

    private Tensor Sensitivity(string name) => _state[$"{name}.exp_avg_ipt"].mul(_state[$"{name}.exp_avg_unc"]);
}
