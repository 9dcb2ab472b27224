using System.Collections.Immutable;

namespace ALoRA.Abstractions.Coordination;

/// <summary>
/// One setting written in a sweep spec (see docs/sweep-spec.md, "The spec on the wire"): its YAML path, its search
/// domain and the domain's values as invariant text. The silo decodes and checks the values against the setting's type
/// and range; nothing here is trusted.
/// </summary>
[GenerateSerializer, Immutable, Alias("alora.SweepSetting")]
public sealed record SweepSetting
{
    /// <summary>YAML path: <c>method</c>, <c>lora.r</c>, <c>training.learning_rate</c>, <c>alora.k1</c>.</summary>
    [Id(0)]
    public string Path { get; init; } = "";

    /// <summary>The domain keyword (<c>grid_search</c>, <c>choice</c>, <c>uniform</c>, <c>loguniform</c>, <c>randint</c>), or empty for a fixed value.</summary>
    [Id(1)]
    public string Domain { get; init; } = "";

    /// <summary>
    /// The values: one for a fixed value, the list of a <c>grid_search</c> or <c>choice</c>, <c>[low, high]</c> of a
    /// range, the items of a list setting (<c>lora.target_modules</c>). Numbers in invariant round-trip form,
    /// <c>true</c>/<c>false</c>, schedule lengths in canonical form (<c>200steps</c>, <c>0.25</c>); null is YAML null.
    /// </summary>
    [Id(2)]
    public ImmutableList<string?> Values { get; init; } = [];
}
