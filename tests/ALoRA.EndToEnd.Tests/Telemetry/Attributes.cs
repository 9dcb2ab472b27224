using System.Globalization;
using Google.Protobuf.Collections;
using OpenTelemetry.Proto.Common.V1;

namespace ALoRA.EndToEnd.Tests.Telemetry;

/// <summary>OTLP attributes as a dictionary of strings (numbers in invariant culture).</summary>
internal static class Attributes
{
    public static IReadOnlyDictionary<string, string> Of(RepeatedField<KeyValue> attributes) =>
        attributes.ToDictionary(a => a.Key, a => Text(a.Value), StringComparer.Ordinal);

    private static string Text(AnyValue value) => value.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString("R", CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        _ => value.ToString(),
    };
}
