using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace ALoRA.Sweeps;

/// <summary>
/// A YAML parser that remembers where the last event it produced ended, for errors that carry no position, and refuses
/// collections nested deeper than <paramref name="maxDepth"/>: YamlDotNet reads events without recursion, but builds
/// the node tree recursively, so a few kilobytes of <c>[[[[...</c> or <c>- - - ...</c> would otherwise overflow the
/// stack and kill the process.
/// </summary>
internal sealed class TrackingParser(IParser inner, int maxDepth) : IParser
{
    private int _depth;

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
            if (current is SequenceStart or MappingStart && ++_depth > maxDepth)
            {
                throw new YamlException(current.Start, current.End, $"collections nested deeper than {maxDepth} levels");
            }

            if (current is SequenceEnd or MappingEnd)
            {
                _depth--;
            }
        }

        return moved;
    }
}
