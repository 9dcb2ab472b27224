using ALoRA.Engine.Lora;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace ALoRA.Engine.Model;

/// <summary>
/// A LLaMA-architecture causal language model with Hugging Face parameter names (<c>model.*</c>, <c>lm_head</c>),
/// optionally with gated LoRA adapters on the projections chosen by a <see cref="LoraConfig"/>.
/// The base weights are frozen; only adapter parameters train. The base is stored and computed in <see cref="DType"/>;
/// adapters are float32 and logits are returned in float32 (docs/engine-notes.md, "Precision").
/// </summary>
public sealed class LlamaForCausalLM : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "model")]
    private readonly LlamaModel _model;

    [ComponentName(Name = "lm_head")]
    private readonly Linear _lmHead;

    private readonly List<AdapterSlot> _adapters = [];

    /// <summary>Builds the model with freshly initialised (random) base weights; load real ones with <see cref="HfModelLoader"/>.</summary>
    public LlamaForCausalLM(LlamaConfig config, ScalarType dtype = ScalarType.Float32, LoraConfig? lora = null)
        : base(nameof(LlamaForCausalLM))
    {
        config.Validate();
        lora?.Validate();
        Config = config;
        Lora = lora;
        DType = dtype;
        var targeting = lora is null ? null : new LoraTargeting(lora);
        using var generator = new Generator().manual_seed(lora?.InitSeed ?? 0);
        _model = new LlamaModel(config, (path, inF, outF, bias) => CreateLinear(targeting, generator, path, inF, outF, bias, dtype), dtype);
        _lmHead = nn.Linear(config.HiddenSize, config.VocabSize, hasBias: false, dtype: dtype);
        if (config.TieWordEmbeddings)
        {
            _lmHead.weight = _model.EmbedTokens.weight!;
        }

        _lmHead.weight!.requires_grad = false;
        if (lora is not null && _adapters.Count == 0)
        {
            throw new ArgumentException(
                $"target_modules [{string.Join(", ", lora.TargetModulesRegex is null ? lora.TargetModules : [lora.TargetModulesRegex])}] matched no linear layer of the model " +
                $"(its projections are {string.Join(", ", LoraConfig.LlamaModuleTypes)})");
        }

        RegisterComponents();
    }

    /// <summary>The architecture.</summary>
    public LlamaConfig Config { get; }

    /// <summary>The adapter configuration, or null for the plain base model.</summary>
    public LoraConfig? Lora { get; }

    /// <summary>Compute dtype of the weights.</summary>
    public ScalarType DType { get; }

    /// <summary>The decoder stack.</summary>
    public LlamaModel Decoder => _model;

    /// <summary>The adapted modules in model order, with their full module paths.</summary>
    public IReadOnlyList<AdapterSlot> Adapters => _adapters;

    /// <summary>Logits [batch, seq, vocab] in float32 for token ids [batch, seq].</summary>
    public override Tensor forward(Tensor inputIds)
    {
        using var scope = NewDisposeScope();
        return LmHead(_model.forward(inputIds)).MoveToOuterDisposeScope();
    }

    /// <summary>Final hidden states [batch, seq, hidden] (before the LM head), in <see cref="DType"/>.</summary>
    public Tensor ForwardHidden(Tensor inputIds) => _model.forward(inputIds);

    /// <summary>
    /// Applies the LM head to hidden states of any leading shape; the logits are float32 whatever the base dtype, so
    /// that every cross-entropy and log-softmax is computed in float32 (Hugging Face's <c>logits.float()</c>).
    /// </summary>
    public Tensor LmHead(Tensor hidden)
    {
        var logits = _lmHead.forward(hidden);
        if (logits.dtype == ScalarType.Float32)
        {
            return logits;
        }

        using (logits)
        {
            return logits.to(ScalarType.Float32);
        }
    }

    /// <summary>
    /// Bytes of the frozen base model's parameters and buffers (the embedding shared by a tied LM head counted once);
    /// the adapters (parameters and buffers named <c>lora_*</c>) are not counted.
    /// </summary>
    public long BaseWeightBytes()
    {
        long bytes = 0;
        foreach (var (name, t) in named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Concat(named_buffers()))
        {
            if (!name.Contains(".lora_", StringComparison.Ordinal) && !(Config.TieWordEmbeddings && name == "lm_head.weight"))
            {
                bytes += t.numel() * t.ElementSize;
            }
        }

        return bytes;
    }

    /// <summary>The trainable (adapter) parameters with their state-dict names, in model order.</summary>
    public IEnumerable<(string Name, Parameter Parameter)> TrainableParameters() =>
        named_parameters().Where(p => p.parameter.requires_grad);

    private nn.Module<Tensor, Tensor> CreateLinear(LoraTargeting? targeting, Generator generator, string path,
                                                   long inFeatures, long outFeatures, bool bias, ScalarType dtype)
    {
        var linear = nn.Linear(inFeatures, outFeatures, hasBias: bias, dtype: dtype);
        foreach (var p in linear.parameters())
        {
            p.requires_grad = false;
        }

        if (targeting is null || !targeting.IsTarget(path))
        {
            return linear;
        }

        var adapter = new GatedLoraLinear(linear, targeting.InitialRank(path), targeting.Alpha(path), targeting.Config.LoraDropout, generator);
        _adapters.Add(new AdapterSlot(path, adapter));
        return adapter;
    }
}
