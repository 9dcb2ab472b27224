namespace ALoRA.Cli.Local;

/// <summary>One line of <c>alora doctor</c>.</summary>
/// <param name="Name">What was checked.</param>
/// <param name="Ok">Whether it is fine.</param>
/// <param name="Detail">What was found (or why it failed, with the fix).</param>
internal sealed record DoctorCheck(string Name, bool Ok, string Detail);
