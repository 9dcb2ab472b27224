using TorchSharp;

namespace ALoRA.Engine.Runtime;

/// <summary>
/// One place that initialises TorchSharp: loads the native runtime, sets the thread counts once, and turns a
/// failed load into a <see cref="TorchUnavailableException"/> whose message names the cause and the fix.
/// </summary>
public static class TorchRuntime
{
    private static readonly Lock Gate = new();
    private static bool _initialised;
    private static TorchUnavailableException? _failure;

    /// <summary>
    /// Loads the native runtime (idempotent). <paramref name="threads"/> sets torch's intra-op threads the
    /// first time (0 = leave libtorch's default); inter-op threads are set to 1 before any other torch call.
    /// </summary>
    /// <exception cref="TorchUnavailableException">The native runtime cannot load here.</exception>
    public static void EnsureInitialized(int threads = 0)
    {
        lock (Gate)
        {
            if (_failure is not null)
            {
                throw _failure;
            }

            if (_initialised)
            {
                return;
            }

            AllocatorTuned = NativeAllocatorTuning.Apply();
            try
            {
                try
                {
                    torch.set_num_interop_threads(1);
                }
                catch (System.Runtime.InteropServices.ExternalException)
                {
                    // Another component touched torch first; libtorch then refuses to change inter-op threads.
                }

                if (threads > 0)
                {
                    torch.set_num_threads(threads);
                }

                using var probe = torch.zeros(1);
                _initialised = true;
            }
            catch (Exception ex) when (ex is TypeInitializationException or DllNotFoundException or NotSupportedException
                                           or EntryPointNotFoundException or BadImageFormatException)
            {
                _failure = new TorchUnavailableException(NativeRuntimeDiagnosis.Explain(ex), ex);
                throw _failure;
            }
        }
    }

    /// <summary>True when glibc's allocator was tuned for tensor workloads (<see cref="NativeAllocatorTuning"/>).</summary>
    public static bool AllocatorTuned { get; private set; }

    /// <summary>
    /// Frees native objects that only finalizers release (TorchSharp's implicit <c>Scalar</c>s and tensor handles
    /// dropped without <c>Dispose</c>): a gen-0 collection plus waiting for finalizers. Called once per training
    /// step, it keeps resident memory flat (docs/engine-notes.md, TorchSharp); it costs about a millisecond.
    /// </summary>
    public static void ReleaseFinalizableNativeObjects()
    {
        GC.Collect(0);
        GC.WaitForPendingFinalizers();
    }
}
