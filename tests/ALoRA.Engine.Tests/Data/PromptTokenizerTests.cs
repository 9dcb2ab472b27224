using ALoRA.Engine.Data;

namespace ALoRA.Engine.Tests.Data;

public sealed class PromptTokenizerTests
{
    [Fact]
    public void Tokenize_FitsEasily_LayoutIsBosPromptResponseEos()
    {
        var fake = new FakeTokenizer();
        var row = new PromptTokenizer(fake).Tokenize("a b c", "d e", 100);
        int[] expected = [1, fake.IdOf("a"), fake.IdOf("b"), fake.IdOf("c"), fake.IdOf("d"), fake.IdOf("e"), 2];
        Assert.Equal(expected, row.InputIds);
        Assert.Equal(4, row.ResponseStart);
    }

    [Fact]
    public void Tokenize_TooLong_DropsPromptStartKeepsTemplateEnd()
    {
        var fake = new FakeTokenizer();
        var row = new PromptTokenizer(fake).Tokenize("p1 p2 p3 It was", "positive", 5);
        int[] expected = [1, fake.IdOf("It"), fake.IdOf("was"), fake.IdOf("positive"), 2];
        Assert.Equal(expected, row.InputIds);
        Assert.Equal(3, row.ResponseStart);
    }

    [Fact]
    public void Tokenize_OnlyOnePromptTokenFits_KeepsLastPromptToken()
    {
        var fake = new FakeTokenizer();
        var row = new PromptTokenizer(fake).Tokenize("x y z", "r1 r2", 5);
        Assert.Equal([1, fake.IdOf("z"), fake.IdOf("r1"), fake.IdOf("r2"), 2], row.InputIds);
    }

    [Fact]
    public void Tokenize_ResponseDoesNotFit_ThrowsNamingMaxLengthAndSource()
    {
        var tokenizer = new PromptTokenizer(new FakeTokenizer());
        var example = new TaskExample("x y", ["r1 r2 r3"], 0) { Source = "train.jsonl line 9" };
        var ex = Assert.Throws<DataFormatException>(() => tokenizer.Tokenize(example, 5));
        Assert.StartsWith("train.jsonl line 9:", ex.Message);
        Assert.Contains("maximum sequence length 5", ex.Message);
    }

    [Fact]
    public void TokenizeCandidate_SecondCandidate_UsesThatResponse()
    {
        var fake = new FakeTokenizer();
        var example = new TaskExample("q", ["no", "yes"], 0);
        var row = new PromptTokenizer(fake).TokenizeCandidate(example, 1, 10);
        Assert.Equal([1, fake.IdOf("q"), fake.IdOf("yes"), 2], row.InputIds);
        Assert.Throws<ArgumentOutOfRangeException>(() => new PromptTokenizer(fake).TokenizeCandidate(example, 2, 10));
    }

    [Fact]
    public void Tokenize_RealTokenizer_ResponseIsANewWordAfterPrompt()
    {
        using var hf = HfTokenizer.Load(DataTestPaths.TokenizerJson);
        var row = new PromptTokenizer(hf).Tokenize(new TaskExample("a classic It was", ["negative", "positive"], 1), 64);
        Assert.Equal(1, row.InputIds[0]);
        Assert.Equal(2, row.InputIds[^1]);
        Assert.Equal(1 + hf.EncodeWithoutBos("a classic It was").Length, row.ResponseStart);
        Assert.Equal("a classic It was positive", hf.Decode(row.InputIds[1..^1]));
        Assert.Equal("positive", hf.Decode(row.InputIds[row.ResponseStart..^1]));
    }

    [Fact]
    public void TokenizeAll_RealSst2Validation_AllWithinMaxLength()
    {
        using var hf = HfTokenizer.Load(DataTestPaths.TokenizerJson);
        var examples = JsonlReader.Read(Path.Combine(DataTestPaths.Sst2Dir, "validation.jsonl"), TaskRegistry.Get("sst2"));
        var rows = new PromptTokenizer(hf).TokenizeAll(examples, 48);
        Assert.Equal(examples.Count, rows.Count);
        Assert.All(rows, r => Assert.InRange(r.Length, 4, 48));
        Assert.Contains(rows, r => r.Length == 48); // some long reviews were truncated
    }
}
