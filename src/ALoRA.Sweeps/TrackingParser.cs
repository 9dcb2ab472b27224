using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace ALoRA.Sweeps;

/// <summary>A YAML parser that remembers where the last event it produced ended, for errors that carry no position.</summary>
internal sealed class TrackingParser(IParser inner) : IParser
{
    /// <summary>End of the last event read (line 1, column 1 before the first).</summary>
    public Mark LastEnd { get; private set; } = new(0, 1, 1);

    /// <inheritdoc />
    public ParsingEvent? Current => inner.Current;

    /// <inheritdoc />
    public bool MoveNext()
    {
        var moved = inner.MoveNext();
        if (moved && inner.Current is { } current)
        {
            LastEnd = current.End;
        }

        return moved;
    }
}
