using ALoRA.Grains.Storage;

namespace ALoRA.Grains.Tests.Storage;

public sealed class SafeFileNameTests
{
    [Theory]
    [InlineData("sweep1-abc123", "sweep1-abc123")]
    [InlineData("trial_0.5", "trial_0.5")]
    [InlineData("node-a/cpu:0", "node-a%2Fcpu%3A0")]
    [InlineData("../../etc/passwd", "%2E.%2F..%2Fetc%2Fpasswd")]
    [InlineData("..", "%2E%2E")]
    [InlineData(".", "%2E")]
    [InlineData(".hidden", "%2Ehidden")]
    [InlineData("a\\b", "a%5Cb")]
    [InlineData("a\0b", "a%00b")]
    [InlineData("100%", "100%25")]
    [InlineData("a b", "a%20b")]
    [InlineData("é", "%C3%A9")]
    [InlineData("con", "%63on")]
    [InlineData("nul.json", "%6Eul.json")]
    [InlineData("lpt1", "%6Cpt1")]
    [InlineData("console", "console")]
    [InlineData("", "%empty")]
    [InlineData("c:", "c%3A")]
    public void Encode_GivesExpectedName(string key, string expected) => Assert.Equal(expected, SafeFileName.Encode(key));

    [Theory]
    [InlineData("Sweep")]
    [InlineData("CON")]
    [InlineData("node-A/cpu:0")]
    public void Encode_UpperCase_AddsHashSuffix(string key)
    {
        var name = SafeFileName.Encode(key);

        Assert.Matches("~[0-9a-f]{16}$", name);
    }

    [Fact]
    public void Encode_LongKey_IsCappedWithHashSuffix()
    {
        var a = new string('x', 500) + "a";
        var b = new string('x', 500) + "b";

        var ea = SafeFileName.Encode(a);
        var eb = SafeFileName.Encode(b);

        Assert.True(ea.Length <= SafeFileName.MaxLength);
        Assert.NotEqual(ea, eb);
        Assert.StartsWith(new string('x', 50), ea, StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_LongKeyOfEscapes_NeverCutsAnEscape()
    {
        foreach (var prefix in new[] { "", "x", "xx" })
        {
            var name = SafeFileName.Encode(prefix + new string('/', 200));
            var stem = name[..name.LastIndexOf('~')];

            Assert.True(name.Length <= SafeFileName.MaxLength);
            Assert.Matches("^x*(%2F)*$", stem);
        }
    }

    [Fact]
    public void Encode_UnpairedSurrogate_Throws() =>
        Assert.Throws<ArgumentException>(() => SafeFileName.Encode("a\uD800b"));

    [Fact]
    public void Encode_ManyKeys_NeverCollideEvenIgnoringCase()
    {
        var keys = new List<string>
        {
            "", ".", "..", "...", "%", "%25", "%2E", "%empty", "empty", "a", "A", "a.", "a..", ".a", "con", "CON", "Con",
            "%63on", "a/b", "a%2Fb", "a_b", "a:b", "a%3Ab", "a\\b", "a\0b", "a%00b", "node-a/cpu:0", "node-A/cpu:0",
            "sweep", "Sweep", "SWEEP", "~", "a~0123456789abcdef", "é", "%C3%A9", "e\u0301",
            new string('x', 500), new string('x', 501), new string('X', 500), new string('/', 300), new string('/', 301),
        };
        for (var i = 0; i < 200; i++)
        {
            keys.Add($"k{i}/{(char)('a' + (i % 26))}:{i}");
        }

        var names = keys.Select(SafeFileName.Encode).ToList();

        Assert.Equal(keys.Count, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(names, n =>
        {
            Assert.True(n.Length is > 0 and <= SafeFileName.MaxLength, n);
            Assert.DoesNotContain('/', n);
            Assert.DoesNotContain('\\', n);
            Assert.DoesNotContain('\0', n);
            Assert.NotEqual(".", n);
            Assert.NotEqual("..", n);
            Assert.False(n.StartsWith('.'), n);
        });
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("..")]
    [InlineData("a/../../b")]
    [InlineData("/etc/passwd")]
    [InlineData("")]
    public void PathUnder_StaysInsideRoot(string key)
    {
        var root = Path.Combine(Path.GetTempPath(), "alora-root");

        var path = SafeFileName.PathUnder(root, ".json", "state", "type", key);

        Assert.StartsWith(Path.Combine(root, "state", "type") + Path.DirectorySeparatorChar, path, StringComparison.Ordinal);
        Assert.Equal(Path.Combine(root, "state", "type"), Path.GetDirectoryName(path));
    }

    [Fact]
    public void EnsureInside_PathOutsideRoot_Throws()
    {
        var root = Path.GetFullPath(Path.Combine(Path.GetTempPath(), "alora-root"));

        Assert.Throws<ArgumentException>(() => SafeFileName.EnsureInside(root, Path.GetFullPath(Path.Combine(root, "..", "x"))));
        Assert.Throws<ArgumentException>(() => SafeFileName.EnsureInside(root, root + "-sibling" + Path.DirectorySeparatorChar + "x"));
        Assert.Throws<ArgumentException>(() => SafeFileName.EnsureInside(root, root));
    }

    [Theory]
    [InlineData("sweep-1")]
    [InlineData("con")]
    [InlineData("node-a/cpu:0")]
    [InlineData(".hidden.")]
    [InlineData("")]
    [InlineData("héllo ✓")]
    public void TryDecode_GivesBackWhatEncodeWrote(string key)
    {
        Assert.True(SafeFileName.TryDecode(SafeFileName.Encode(key), out var decoded));
        Assert.Equal(key, decoded);
    }

    [Theory]
    [InlineData("Upper")] // hash suffix: not reversible
    [InlineData("%2f")] // lower-case hex: never written
    [InlineData("a%2")]
    [InlineData("a b")]
    public void TryDecode_RefusesNamesEncodeNeverWritesOrThatCannotBeReversed(string name)
    {
        if (name == "Upper")
        {
            name = SafeFileName.Encode(name);
        }

        Assert.False(SafeFileName.TryDecode(name, out _));
    }
}
