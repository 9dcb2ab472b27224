using ALoRA.Engine.Data;
using ALoRA.Engine.Model;
using static TorchSharp.torch;

namespace ALoRA.Engine.Scoring;

/// <summary>Eval mode, no-grad and the validation batch for one scoring round; restores the model's mode and adapters.</summary>
internal sealed class ScoringSession : IDisposable
{
    private readonly bool _wasTraining;
    private readonly IDisposable _noGrad;

    public ScoringSession(LlamaForCausalLM model, Batch batch, CancellationToken cancellationToken = default)
    {
        if (model.Adapters.Count == 0)
        {
            throw new ArgumentException("the model has no adapters to score");
        }

        Model = model;
        CancellationToken = cancellationToken;
        _wasTraining = model.training;
        model.eval();
        _noGrad = no_grad();
        Ce = new ValidationCe(batch, model.Decoder.EmbedTokens.weight!.device);
    }

    public LlamaForCausalLM Model { get; }

    public ValidationCe Ce { get; }

    /// <summary>Checked before every forward pass over a part of the batch.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>
    /// Called with the running count before each forward pass over a part of the batch, in this flow only (tests use
    /// it to cancel at an exact pass instead of at a time).
    /// </summary>
    internal static AsyncLocal<Action<int>?> PassObserver { get; } = new();

    /// <summary>Forward passes started so far.</summary>
    public int Passes { get; private set; }

    /// <summary>Throws when cancelled; otherwise counts the pass about to run.</summary>
    public void BeforePass()
    {
        CancellationToken.ThrowIfCancellationRequested();
        Passes++;
        PassObserver.Value?.Invoke(Passes);
    }

    public double FullForwardCe()
    {
        double sum = 0;
        for (var part = 0; part < Ce.PartCount; part++)
        {
            BeforePass();
            using var scope = NewDisposeScope();
            sum += Ce.Sum(Model, part, Model.ForwardHidden(Ce.Ids(part)), 1)[0];
        }

        return sum / Ce.TargetCount;
    }

    /// <summary>Switches off every adapter except the one at <paramref name="keep"/> (-1: all off).</summary>
    public void DisableAllExcept(int keep)
    {
        for (var i = 0; i < Model.Adapters.Count; i++)
        {
            Model.Adapters[i].Module.AdapterDisabled = i != keep;
        }
    }

    public void EnableAll()
    {
        foreach (var slot in Model.Adapters)
        {
            slot.Module.AdapterDisabled = false;
        }
    }

    public void Dispose()
    {
        EnableAll();
        Ce.Dispose();
        _noGrad.Dispose();
        Model.train(_wasTraining);
    }
}
