using System.Text.Json;

namespace ALoRA.Engine.Data;

/// <summary>
/// Turns one JSON row of a task's data file into a <see cref="TaskExample"/> (prompt + candidate responses).
/// </summary>
public interface ITaskTemplate
{
    /// <summary>Registry name, lower case (e.g. <c>sst2</c>).</summary>
    string Name { get; }

    /// <summary>True when examples have several label-word candidates and are scored by accuracy.</summary>
    bool IsClassification { get; }

    /// <summary>
    /// Parses one row. Errors are <see cref="DataFormatException"/>s naming <paramref name="file"/>,
    /// <paramref name="line"/> and the field.
    /// </summary>
    /// <param name="row">The row's JSON object.</param>
    /// <param name="file">The data file, for messages.</param>
    /// <param name="line">The 1-based line number, for messages.</param>
    TaskExample Parse(JsonElement row, string file, int line);
}
