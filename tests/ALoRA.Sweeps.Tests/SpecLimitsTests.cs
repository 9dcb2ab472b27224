namespace ALoRA.Sweeps.Tests;

/// <summary>
/// Limits checked before a spec is turned into a node tree: its size (1 MiB) and the nesting depth of its collections
/// (32). Without them a few kilobytes of nested brackets overflowed the parser's stack and killed the process, which
/// the test host would not survive.
/// </summary>
public sealed class SpecLimitsTests
{
    [Fact]
    public void FortyThousandNestedBrackets_AreRefusedAtTheFirstTooDeepOne()
    {
        var yaml = Specs.Header + "name: " + new string('[', 40_000) + new string(']', 40_000) + "\n";

        var error = Assert.Single(Specs.Fail(yaml).Errors);

        Assert.Contains($"collections nested deeper than {SweepSpecParser.MaxNestingDepth} levels", error.Message, StringComparison.Ordinal);
        Assert.Equal(4, error.Line);
    }

    [Fact]
    public void CompactBlockSequencesNestedOnOneLine_AreRefused()
    {
        var yaml = Specs.Header + "seeds:\n  " + string.Concat(Enumerable.Repeat("- ", 100_000)) + "1\n";

        var error = Assert.Single(Specs.Fail(yaml).Errors);

        Assert.Contains("nested deeper than", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NestingAtTheLimit_IsParsed_OneMoreLevelIsRefused()
    {
        // The spec's mapping is level 1, so a value may hold 31 more levels.
        static string Nested(int levels) => Specs.Header + "name: " + new string('[', levels) + new string(']', levels) + "\n";

        var atLimit = Specs.Fail(Nested(SweepSpecParser.MaxNestingDepth - 1));
        var beyond = Specs.Fail(Nested(SweepSpecParser.MaxNestingDepth));

        // At the limit the reader gets to the value and rejects its type; beyond it the parser stops first.
        Assert.DoesNotContain(atLimit.Errors, e => e.Message.Contains("nested deeper", StringComparison.Ordinal));
        Assert.Contains(atLimit.Errors, e => e.Path == "name");
        Assert.Contains(beyond.Errors, e => e.Message.Contains("nested deeper", StringComparison.Ordinal));
    }

    [Fact]
    public void SpecOverOneMiB_IsRefusedBeforeParsing_NamingTheLimit()
    {
        var yaml = Specs.Header + "# " + new string('x', SweepSpecParser.MaxSpecLength) + "\n";

        var error = Assert.Single(Specs.Fail(yaml).Errors);

        Assert.Equal($"the spec is {yaml.Length} characters long; a spec may have at most {SweepSpecParser.MaxSpecLength} (1 MiB)", error.Message);
    }

    [Fact]
    public void SpecFileOverOneMiB_IsRefusedWithoutReadingIt_NamingTheFile()
    {
        using var folder = new TempDirectory();
        var path = Path.Combine(folder.Path, "huge.yaml");
        using (var file = File.Create(path))
        {
            file.SetLength(SweepSpecParser.MaxSpecLength + 1L);
        }

        var ex = Assert.Throws<SweepSpecException>(() => SweepSpecParser.ParseFile(path));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains($"the spec file is {SweepSpecParser.MaxSpecLength + 1L} bytes", ex.Message, StringComparison.Ordinal);
    }
}
