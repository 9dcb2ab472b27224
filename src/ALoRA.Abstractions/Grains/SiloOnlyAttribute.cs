namespace ALoRA.Abstractions.Grains;

/// <summary>
/// Marks a grain method only silos may call (trainer registration, work requests, progress, completion, the
/// coordinator's bookkeeping): a call that arrives from a client, with or without the client token, fails with
/// <see cref="SiloOnlyException"/>. The silos' incoming call filter reads the attribute once per method; this attribute
/// is the one list of such methods (docs/security.md).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class SiloOnlyAttribute : Attribute;
