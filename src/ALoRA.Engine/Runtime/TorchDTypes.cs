using static TorchSharp.torch;

namespace ALoRA.Engine.Runtime;

/// <summary>
/// The base-model dtypes by their spec names (<c>float32</c>, <c>bfloat16</c>, <c>float16</c>; docs/sweep-spec.md,
/// <c>model.dtype</c>), the device default, and which of them a device computes (<see cref="Computable"/>).
/// </summary>
public static class TorchDTypes
{
    /// <summary>float32.</summary>
    public const string Float32 = "float32";

    /// <summary>bfloat16.</summary>
    public const string BFloat16 = "bfloat16";

    /// <summary>float16.</summary>
    public const string Float16 = "float16";

    private static readonly Dictionary<string, IReadOnlyList<string>> Probed = new(StringComparer.Ordinal);
    private static readonly Lock Gate = new();

    /// <summary>Every name, in documentation order.</summary>
    public static IReadOnlyList<string> Names { get; } = [Float32, BFloat16, Float16];

    /// <summary>The scalar type of a dtype name.</summary>
    /// <exception cref="ArgumentException">Not a known name (the message names <c>model.dtype</c>).</exception>
    public static ScalarType Parse(string name) => name switch
    {
        Float32 => ScalarType.Float32,
        BFloat16 => ScalarType.BFloat16,
        Float16 => ScalarType.Float16,
        _ => throw new ArgumentException($"model.dtype: unknown dtype '{name}'; expected one of {string.Join(", ", Names)}", nameof(name)),
    };

    /// <summary>The name of a base-model scalar type.</summary>
    /// <exception cref="ArgumentException">Not float32, bfloat16 or float16.</exception>
    public static string NameOf(ScalarType type) => type switch
    {
        ScalarType.Float32 => Float32,
        ScalarType.BFloat16 => BFloat16,
        ScalarType.Float16 => Float16,
        _ => throw new ArgumentException($"{type} is not a base-model dtype ({string.Join(", ", Names)})", nameof(type)),
    };

    /// <summary>
    /// The dtype a run on <paramref name="device"/> uses: <paramref name="requested"/> when given, else the device
    /// default: float32 on CPU, bfloat16 on CUDA (float32 on a GPU that cannot compute bfloat16, see <see cref="Computable"/>).
    /// </summary>
    /// <param name="requested">A dtype name, or null for the device default.</param>
    /// <param name="device">A torch device name (<c>cpu</c>, <c>cuda:0</c>).</param>
    /// <exception cref="ArgumentException">An unknown name.</exception>
    /// <exception cref="NotSupportedException">The device cannot compute the requested dtype (names <c>model.dtype</c>).</exception>
    public static ScalarType Resolve(string? requested, string device)
    {
        var isCuda = device.StartsWith("cuda", StringComparison.Ordinal);
        if (requested is null)
        {
            return isCuda && Computable(device).Contains(BFloat16) ? ScalarType.BFloat16 : ScalarType.Float32;
        }

        var type = Parse(requested);
        if (type != ScalarType.Float32 && !Computable(device).Contains(requested))
        {
            throw new NotSupportedException(
                $"model.dtype: {device} cannot compute {requested} (it computes {string.Join(", ", Computable(device))})");
        }

        return type;
    }

    /// <summary>
    /// The dtypes <paramref name="device"/> computes, probed once per device and cached: a small matrix product with its
    /// backward pass (what a frozen base does in training), a softmax and an RMS-style reduction in each dtype, checked
    /// against float32. float32 is always listed. TorchSharp must be initialised (<see cref="TorchRuntime.EnsureInitialized"/>).
    /// </summary>
    /// <param name="device">A torch device name (<c>cpu</c>, <c>cuda:0</c>).</param>
    public static IReadOnlyList<string> Computable(string device)
    {
        lock (Gate)
        {
            if (!Probed.TryGetValue(device, out var list))
            {
                list = [.. Names.Where(n => n == Float32 || Computes(device, Parse(n)))];
                Probed[device] = list;
            }

            return list;
        }
    }

    private static bool Computes(string device, ScalarType type)
    {
        try
        {
            using var scope = NewDisposeScope();
            var dev = new Device(device);
            var a = linspace(-1, 1, 64, dtype: ScalarType.Float32, device: dev).view(8, 8);
            var w = a.t().contiguous();
            var x = a.to(type).requires_grad_(true);
            var y = x.matmul(w.to(type));
            var s = nn.functional.softmax(y, -1).sum();
            s.backward();
            using var reference = a.matmul(w);
            var close = y.to(ScalarType.Float32).allclose(reference, rtol: 0.05, atol: 0.05);
            return close && x.grad is { } g && g.dtype == type && g.to(ScalarType.Float32).isfinite().all().item<bool>();
        }
        catch (Exception ex) when (ex is System.Runtime.InteropServices.ExternalException or NotSupportedException or ArgumentException)
        {
            return false;
        }
    }
}
