using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace ALoRA.Engine.Model;

/// <summary>RMSNorm as in Hugging Face <c>LlamaRMSNorm</c>: normalise in float32, scale by <c>weight</c>.</summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "weight")]
    private readonly Parameter _weight;

    private readonly Scalar _eps;

    /// <summary>Creates the norm over the last dimension of size <paramref name="dim"/>.</summary>
    public RmsNorm(long dim, double eps, ScalarType dtype)
        : base(nameof(RmsNorm))
    {
        _weight = new Parameter(ones(dim, dtype: dtype), requires_grad: false);
        _eps = eps.ToScalar();
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input.dtype == ScalarType.Float32 ? input : input.to(ScalarType.Float32);
        var variance = x.square().mean([-1L], keepdim: true);
        var normed = x * (variance + _eps).rsqrt();
        if (input.dtype != ScalarType.Float32)
        {
            normed = normed.to(input.dtype);
        }

        return (normed * _weight).MoveToOuterDisposeScope();
    }
}
