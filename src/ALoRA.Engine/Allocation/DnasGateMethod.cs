using ALoRA.Engine.Data;
using ALoRA.Engine.Lora;
using ALoRA.Engine.Model;
using ALoRA.Engine.Scoring;
using ALoRA.Engine.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ALoRA.Engine.Allocation;

/// <summary>
/// <c>alora-dnas</c> (docs/alora-method.md section 6): every rank's gate is relaxed to <c>2 sigmoid(a)</c> with a trained
/// logit <c>a</c> (initially 0, so the network starts as plain LoRA); importance = the gate value.
/// <para>
/// Alternating updates on two halves of the training set <b>(choice)</b>: the training set is split once, by a
/// seeded shuffle, into two halves; after every weight step of the search phase, one gate step (AdamW, no weight
/// decay, constant learning rate) updates the logits only, on the next batch of the gate half. The weights keep
/// training on the trainer's own batches over the whole set, like every other method, so runs of different methods
/// see the same weight updates' data step for step. When the search ends the gate values are folded into
/// <c>lora_B</c> and the logits dropped: from then on (and in exports) the adapter is a plain gated LoRA.
/// </para>
/// </summary>
public sealed class DnasGateMethod : IAllocationMethod
{
    private const string LogitsSuffix = ".lora_gate_logits";
    private const string OptimizerPrefix = "gate_optimizer.";
    private readonly LlamaForCausalLM _model;
    private readonly TrainingData _data;
    private readonly TrainingOptions _options;
    private readonly double _gateLearningRate;
    private readonly Device _device;
    private readonly int[] _gateRows;
    private readonly LengthBucketSampler _gateSampler;
    private readonly Dictionary<string, Parameter> _logits = new(StringComparer.Ordinal);
    private LoraAdamW? _gateOptimizer;
    private IReadOnlyList<int[]>? _plan;
    private int _planEpoch = -1;

    /// <summary>Relaxes the gates of <paramref name="model"/> and prepares the gate half of <paramref name="data"/>.</summary>
    /// <param name="model">The model whose adapters' gates are relaxed.</param>
    /// <param name="data">The training data; one seeded half trains the gate logits.</param>
    /// <param name="options">The training options (seed, batch size, learning rate).</param>
    /// <param name="gateLearningRate">Learning rate of the gate logits (null: the training learning rate).</param>
    public DnasGateMethod(LlamaForCausalLM model, TrainingData data, TrainingOptions options, double? gateLearningRate = null)
    {
        if (gateLearningRate is <= 0 || (gateLearningRate is { } g && !double.IsFinite(g)))
        {
            throw new ArgumentException($"alora-dnas: gate_learning_rate must be > 0, got {gateLearningRate}");
        }

        if (data.Train.Count < 2)
        {
            throw new ArgumentException($"alora-dnas splits the training set into two halves and needs at least 2 training examples, got {data.Train.Count}");
        }

        _model = model;
        _data = data;
        _options = options;
        _gateLearningRate = gateLearningRate ?? options.LearningRate;
        _device = model.Decoder.EmbedTokens.weight!.device;
        var order = Enumerable.Range(0, data.Train.Count).ToArray();
        new SplitMix64(options.Seed, stream: 2000).Shuffle(order);
        _gateRows = order.Where((_, i) => i % 2 == 1).Order().ToArray();
        _gateSampler = new LengthBucketSampler(_gateRows.Select(r => data.Train[r].Length).ToArray(), data.Sampler.BatchSize, options.Seed + 7919);
        AttachLogits(null);
    }

    /// <inheritdoc />
    public string Name => "alora-dnas";

    /// <inheritdoc />
    public bool Reallocates => true;

    /// <inheritdoc />
    public string Fingerprint => FormattableString.Invariant($"method=alora-dnas;gate_lr={_gateLearningRate:R}");

    /// <summary>Examples of the training set that feed the gate steps (indices into the training split).</summary>
    public IReadOnlyList<int> GateHalf => _gateRows;

    /// <summary>True once the gates were folded into the weights.</summary>
    public bool SearchFinished => _gateOptimizer is null;

    /// <inheritdoc />
    public void OnGradients()
    {
    }

    /// <inheritdoc />
    public void OnStepCompleted(int step)
    {
        if (SearchFinished)
        {
            return;
        }

        var k = step - 1;
        var epoch = k / _gateSampler.BatchesPerEpoch;
        if (epoch != _planEpoch)
        {
            _plan = _gateSampler.PlanEpoch(epoch);
            _planEpoch = epoch;
        }

        var rows = _plan![k % _gateSampler.BatchesPerEpoch].Select(i => _gateRows[i]).ToArray();
        var batch = _data.TrainBatch(rows);
        SetWeightsTrainable(false);
        try
        {
            using var scope = NewDisposeScope();
            // The gate step runs like a weight step: in micro-batches and with checkpointing when the run uses them.
            GradientPass.Run(_model, batch, _device, _data.Sampler.BatchSize / _options.GradientAccumulationSteps, _options.GradientCheckpointing);
        }
        finally
        {
            SetWeightsTrainable(true);
        }

        _gateOptimizer!.Step(_gateLearningRate);
        _gateOptimizer.ZeroGrad();
    }

    /// <inheritdoc />
    public ScoreSet Score(Batch validationBatch, CancellationToken cancellationToken = default)
    {
        var baseCe = AbLoraScorer.BaseCe(_model, validationBatch);
        var scores = new List<RankScore>();
        for (var m = 0; m < _model.Adapters.Count; m++)
        {
            var slot = _model.Adapters[m];
            var gates = slot.Module.Gates;
            var values = GateValues(slot);
            for (var i = 0; i < gates.Length; i++)
            {
                if (gates[i])
                {
                    scores.Add(new RankScore(m, slot.Path, i, null, null, values[i]));
                }
            }
        }

        return new ScoreSet(baseCe, scores, 1);
    }

    /// <summary>The relaxed gate values <c>2 sigmoid(a)</c> of a module's physical ranks (1 when the search is over).</summary>
    public double[] GateValues(AdapterSlot slot)
    {
        if (!_logits.TryGetValue(slot.Path + LogitsSuffix, out var logits))
        {
            return Enumerable.Repeat(1.0, slot.Module.Rank).ToArray();
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return logits.sigmoid().mul(2.0).to(ScalarType.Float64, CPU).data<double>().ToArray();
    }

    /// <inheritdoc />
    public void OnReallocated(AllocationResult result)
    {
        if (SearchFinished)
        {
            return;
        }

        foreach (var module in result.Modules.Where(m => m.Changed))
        {
            var slot = _model.Adapters[module.ModuleIndex];
            var name = slot.Path + LogitsSuffix;
            var old = _logits[name];
            using var shape = zeros(slot.Module.Rank, dtype: old.dtype, device: old.device);
            var replacement = new Parameter(RankRemap.Remap(old, shape, 0, module.IndexMap), requires_grad: false);
            replacement.DetachFromDisposeScope();
            _gateOptimizer!.Resize(name, replacement, 0, module.IndexMap);
            _logits[name] = replacement;
            slot.Module.SetGateLogits(replacement);
            old.Dispose();
        }
    }

    /// <inheritdoc />
    public void OnSearchFinished()
    {
        if (SearchFinished)
        {
            return;
        }

        foreach (var slot in _model.Adapters)
        {
            slot.Module.FoldGateRelaxation();
        }

        DropLogits();
    }

    /// <inheritdoc />
    public Dictionary<string, Tensor> StateDict()
    {
        if (SearchFinished)
        {
            return [];
        }

        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, logits) in _logits)
        {
            state[name] = CpuCopy(logits);
        }

        var (moments, steps) = _gateOptimizer!.StateDict();
        foreach (var (name, t) in moments)
        {
            state[OptimizerPrefix + name] = CpuCopy(t);
        }

        foreach (var (name, count) in steps)
        {
            state[$"{OptimizerPrefix}{name}.step"] = tensor(count).DetachFromDisposeScope();
        }

        return state;
    }

    /// <inheritdoc />
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, bool searchFinished)
    {
        if (searchFinished)
        {
            // The saved adapter already carries the folded gates.
            foreach (var slot in _model.Adapters)
            {
                slot.Module.SetGateLogits(null);
            }

            DropLogits();
            return;
        }

        DropLogits();
        AttachLogits(state);
        var moments = state.Where(p => p.Key.StartsWith(OptimizerPrefix, StringComparison.Ordinal) && !p.Key.EndsWith(".step", StringComparison.Ordinal))
                           .ToDictionary(p => p.Key[OptimizerPrefix.Length..], p => p.Value, StringComparer.Ordinal);
        var steps = state.Where(p => p.Key.StartsWith(OptimizerPrefix, StringComparison.Ordinal) && p.Key.EndsWith(".step", StringComparison.Ordinal))
                         .ToDictionary(p => p.Key[OptimizerPrefix.Length..^".step".Length], p => p.Value.item<long>(), StringComparer.Ordinal);
        _gateOptimizer!.LoadStateDict(moments, steps);
    }

    /// <inheritdoc />
    public void Dispose() => DropLogits();

    private static Tensor CpuCopy(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.detach().cpu().clone().MoveToOuterDisposeScope();
    }

    private void AttachLogits(IReadOnlyDictionary<string, Tensor>? saved)
    {
        foreach (var slot in _model.Adapters)
        {
            var name = slot.Path + LogitsSuffix;
            Tensor initial;
            if (saved is null)
            {
                initial = zeros(slot.Module.Rank, dtype: slot.Module.LoraA.dtype, device: _device);
            }
            else if (saved.TryGetValue(name, out var t) && t.shape.SequenceEqual([slot.Module.Rank]))
            {
                initial = t.to(slot.Module.LoraA.dtype, _device).clone();
            }
            else
            {
                throw new InvalidDataException($"alora-dnas state has no tensor '{name}' with {slot.Module.Rank} entries");
            }

            var logits = new Parameter(initial, requires_grad: false);
            logits.DetachFromDisposeScope();
            _logits[name] = logits;
            slot.Module.SetGateLogits(logits);
        }

        _gateOptimizer = new LoraAdamW(_logits.Select(p => (p.Key, p.Value)), _options.AdamBeta1, _options.AdamBeta2, _options.AdamEpsilon, weightDecay: 0);
    }

    private void DropLogits()
    {
        _gateOptimizer?.Dispose();
        _gateOptimizer = null;
        foreach (var logits in _logits.Values)
        {
            logits.Dispose();
        }

        _logits.Clear();
    }

    private void SetWeightsTrainable(bool weights)
    {
        foreach (var slot in _model.Adapters)
        {
            slot.Module.LoraA.requires_grad = weights;
            slot.Module.LoraB.requires_grad = weights;
        }

        foreach (var logits in _logits.Values)
        {
            logits.requires_grad = !weights;
        }
    }
}
