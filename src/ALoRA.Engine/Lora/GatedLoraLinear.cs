using ALoRA.Engine.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace ALoRA.Engine.Lora;

/// <summary>
/// A frozen linear layer with a gated LoRA adapter (docs/alora-method.md section 1):
/// <c>y = W x + s * B diag(g) A x</c>, A (r x in) Kaiming-uniform, B (out x r) zero, gates g in {0, 1} (not trained),
/// s = alpha / r_init fixed for the whole run. State-dict names follow PEFT: <c>base_layer.weight</c>,
/// <c>lora_A.weight</c>, <c>lora_B.weight</c>, plus the gate buffer <c>lora_gate</c>.
/// The adapter (A, B, gates) is float32 whatever the base layer's dtype (docs/engine-notes.md, "Precision"): the input is
/// cast to float32 for the rank-r product and the adapter's output back to the base output's dtype, as PEFT does.
/// Ranks can be appended (<see cref="Grow"/>) and gated-off ranks dropped (<see cref="Compact"/>) without
/// changing the output.
/// </summary>
public sealed partial class GatedLoraLinear : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "base_layer")]
    private readonly Linear _baseLayer;

    [ComponentName(Name = "lora_A")]
    private readonly Linear _loraA;

    [ComponentName(Name = "lora_B")]
    private readonly Linear _loraB;

    [ComponentName(Name = "lora_gate")]
    private Tensor _gates;

    [ComponentName(Name = "lora_dropout")]
    private readonly Dropout? _dropout;

    private readonly double _dropoutRate;

    // 1 / (1 - dropout), cached: an implicit scalar per forward pass would be a native object only a finalizer frees.
    private readonly Scalar? _dropoutScale;

    // s * g, folded into the rank-r product in forward (docs/engine-notes.md, TorchSharp). Held outside a Tensor field so that
    // RegisterComponents does not register it as a buffer.
    private readonly ScaledGates _scaled = new();

    /// <summary>Wraps <paramref name="baseLayer"/> (frozen here) with a rank-<paramref name="rank"/> adapter.</summary>
    public GatedLoraLinear(Linear baseLayer, int rank, double alpha, double dropout, Generator? generator = null)
        : base(nameof(GatedLoraLinear))
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        _baseLayer = baseLayer;
        foreach (var p in _baseLayer.parameters())
        {
            p.requires_grad = false;
        }

        var weight = baseLayer.weight!;
        InFeatures = weight.shape[1];
        OutFeatures = weight.shape[0];
        InitialRank = rank;
        Scale = rank == 0 ? 0.0 : alpha / rank;
        _loraA = nn.Linear(InFeatures, rank, hasBias: false, dtype: AdapterDType, device: weight.device);
        _loraB = nn.Linear(rank, OutFeatures, hasBias: false, dtype: AdapterDType, device: weight.device);
        using (no_grad())
        {
            _loraA.weight!.copy_(NewARows(rank, generator));
            _loraB.weight!.zero_();
        }

        _gates = ones(rank, dtype: AdapterDType, device: weight.device);
        _dropout = dropout > 0 ? nn.Dropout(dropout) : null;
        _dropoutRate = dropout;
        _dropoutScale = dropout > 0 ? (1.0 / (1 - dropout)).ToScalar() : null;
        RegisterComponents();
        RefreshScaledGates();
    }

    /// <summary>The dtype of the adapter's A, B and gates: float32, whatever the base layer's dtype.</summary>
    public static ScalarType AdapterDType => ScalarType.Float32;

    /// <summary>
    /// The generator of adapter dropout's masks (the trainer's, one per trial); null: torch's global generator, which
    /// every trainer of the process shares (docs/engine-notes.md, "Reproducibility").
    /// </summary>
    public Generator? DropoutGenerator { get; set; }

    /// <summary>Input features of the wrapped layer.</summary>
    public long InFeatures { get; }

    /// <summary>Output features of the wrapped layer.</summary>
    public long OutFeatures { get; }

    /// <summary>r_init, the rank the module started with.</summary>
    public int InitialRank { get; }

    /// <summary>s = alpha / r_init, fixed for the run.</summary>
    public double Scale { get; }

    /// <summary>Physical rank (rows of A), including gated-off ranks.</summary>
    public int Rank => (int)_loraA.weight!.shape[0];

    /// <summary>Number of ranks whose gate is 1.</summary>
    public int ActiveRank => Gates.Count(g => g);

    /// <summary>The frozen base layer.</summary>
    public Linear BaseLayer => _baseLayer;

    /// <summary>The lora_A parameter (r x in).</summary>
    public Parameter LoraA => _loraA.weight!;

    /// <summary>The lora_B parameter (out x r).</summary>
    public Parameter LoraB => _loraB.weight!;

    /// <summary>Gate of every physical rank.</summary>
    public bool[] Gates
    {
        get
        {
            using var g = _gates.to(ScalarType.Float32, CPU);
            return g.data<float>().Select(v => v != 0).ToArray();
        }
    }

    /// <summary>The gate buffer as a tensor (r entries of 0 or 1).</summary>
    public Tensor GateTensor => _gates;

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        var y = _baseLayer.forward(input);
        if (Rank == 0 || _scaled.Disabled)
        {
            return y;
        }

        using var scope = NewDisposeScope();
        var x = _dropout is null || !training ? input
            : DropoutGenerator is null ? _dropout.forward(input)
            : input * empty_like(input).bernoulli_(1 - _dropoutRate, DropoutGenerator).mul_(_dropoutScale!);
        if (x.dtype != AdapterDType)
        {
            x = x.to(AdapterDType);
        }

        var ax = F.linear(x, _loraA.weight!);
        if (_scaled.Variants is { } variants)
        {
            if (_scaled.GateLogits is not null)
            {
                throw new InvalidOperationException("variant gates cannot be combined with relaxed gates");
            }

            // The batch holds V stacked variants (variant-major); each gets its own gate vector.
            var shape = ax.shape;
            ax = ax.view(variants.shape[0], -1, Rank).mul(variants.unsqueeze(1)).view(shape);
        }
        else if (_scaled.Continuous is { } continuous)
        {
            // Scoring by gate gradients (docs/alora-method.md section 3): s * c with c continuous, differentiable in c.
            ax = ax.mul(continuous.to(ax.dtype).mul(Scale));
        }
        else if (_scaled.GateLogits is { } logits)
        {
            // alora-dnas: g_i * 2 sigmoid(a_i), differentiable in a (out of place, so autograd keeps A x).
            ax = ax.mul(_scaled.Value!.mul(logits.sigmoid().mul(2.0)));
        }
        else
        {
            ax.mul_(_scaled.Value!);
        }

        var delta = F.linear(ax, _loraB.weight!);
        y.add_(delta.dtype == y.dtype ? delta : delta.to(y.dtype), CachedScalars.One);
        return y;
    }

    /// <summary>Sets the gate of physical rank <paramref name="index"/>.</summary>
    public void SetGate(int index, bool on)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Rank);
        using (no_grad())
        {
            _gates[index] = on ? 1.0f : 0.0f;
        }

        RefreshScaledGates();
    }

    /// <summary>Replaces all gates at once (length = <see cref="Rank"/>).</summary>
    public void SetGates(IReadOnlyList<bool> gates)
    {
        if (gates.Count != Rank)
        {
            throw new ArgumentException($"expected {Rank} gates, got {gates.Count}", nameof(gates));
        }

        using (no_grad())
        {
            using var t = tensor(gates.Select(g => g ? 1.0f : 0.0f).ToArray(), dtype: _gates.dtype, device: _gates.device);
            _gates.copy_(t);
        }

        RefreshScaledGates();
    }

    /// <summary>
    /// Appends <paramref name="count"/> ranks: new rows of A (Kaiming-uniform), new columns of B (zero), gates 1.
    /// The output is unchanged (B's new columns are zero). The A and B parameters are replaced by new ones.
    /// </summary>
    public void Grow(int count, Generator? generator = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count == 0)
        {
            return;
        }

        using (no_grad())
        {
            using var scope = NewDisposeScope();
            using var newRows = NewARows(count, generator);
            using var zeros = torch.zeros(OutFeatures, count, dtype: LoraB.dtype, device: LoraB.device);
            using var onesG = ones(count, dtype: _gates.dtype, device: _gates.device);
            ReplaceWeights(cat([LoraA, newRows], 0), cat([LoraB, zeros], 1), cat([_gates, onesG], 0));
        }
    }

    /// <summary>Drops gated-off ranks physically; returns the kept physical indices (old numbering).</summary>
    public int[] Compact()
    {
        var keep = Gates.Select((g, i) => (g, i)).Where(p => p.g).Select(p => p.i).ToArray();
        if (keep.Length == Rank)
        {
            return keep;
        }

        using (no_grad())
        {
            using var scope = NewDisposeScope();
            using var idx = tensor(keep.Select(i => (long)i).ToArray(), device: LoraA.device);
            ReplaceWeights(LoraA.index_select(0, idx), LoraB.index_select(1, idx), _gates.index_select(0, idx));
        }

        return keep;
    }

    /// <summary>Replaces A, B (and gates) with tensors of a new rank, e.g. when importing an adapter.</summary>
    public void ReplaceWeights(Tensor a, Tensor b, Tensor? gates = null)
    {
        if (a.shape[1] != InFeatures || b.shape[0] != OutFeatures || a.shape[0] != b.shape[1])
        {
            throw new ArgumentException($"lora_A must be (r x {InFeatures}) and lora_B ({OutFeatures} x r); got [{string.Join(", ", a.shape)}] and [{string.Join(", ", b.shape)}]");
        }

        var rank = a.shape[0];
        var requiresGrad = LoraA.requires_grad;
        using var scope = NewDisposeScope();
        var newA = new Parameter(a.to(LoraA.dtype, LoraA.device).detach().contiguous().clone(), requiresGrad);
        var newB = new Parameter(b.to(LoraB.dtype, LoraB.device).detach().contiguous().clone(), requiresGrad);
        var newGates = (gates ?? ones(rank, device: _gates.device)).to(_gates.dtype, _gates.device).detach().clone();
        newA.DetachFromDisposeScope();
        newB.DetachFromDisposeScope();
        newGates.DetachFromDisposeScope();
        _loraA.weight = newA;
        _loraB.weight = newB;
        _gates.Dispose();
        _gates = newGates;
        if (_scaled.GateLogits is { } logits && logits.shape[0] != rank)
        {
            // Relaxed-gate logits belong to the old ranks; their owner attaches new ones (see SetGateLogits).
            _scaled.GateLogits = null;
        }

        ConditionallyRegisterBuffer("lora_gate", _gates);
        RefreshScaledGates();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _scaled.Value?.Dispose();
            _scaled.Variants?.Dispose();
        }

        base.Dispose(disposing);
    }

    private Tensor NewARows(long count, Generator? generator)
    {
        // PEFT: kaiming_uniform_(a=sqrt(5)) on (r x in) => U(-1/sqrt(in), 1/sqrt(in)); fan_in is `in` for any r.
        var bound = 1.0 / Math.Sqrt(InFeatures);
        using var scope = NewDisposeScope();
        var rows = empty(count, InFeatures, dtype: ScalarType.Float32);
        rows.uniform_(-bound, bound, generator);
        return rows.to(AdapterDType, _baseLayer.weight!.device).MoveToOuterDisposeScope();
    }

    private void RefreshScaledGates()
    {
        _scaled.Value?.Dispose();
        _scaled.Value = (_gates * Scale).DetachFromDisposeScope();
    }

    private sealed class ScaledGates
    {
        public Tensor? Value { get; set; }

        public Tensor? Variants { get; set; }

        public bool Disabled { get; set; }

        public Parameter? GateLogits { get; set; }

        public Tensor? Continuous { get; set; }
    }
}
