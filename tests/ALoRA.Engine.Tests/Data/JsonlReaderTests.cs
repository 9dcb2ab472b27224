using ALoRA.Engine.Data;

namespace ALoRA.Engine.Tests.Data;

public sealed class JsonlReaderTests
{
    private static readonly ITaskTemplate Sst2 = TaskRegistry.Get("sst2");

    [Theory]
    [InlineData("train.jsonl", 66_349)]
    [InlineData("validation.jsonl", 1_000)]
    [InlineData("test.jsonl", 872)]
    public void Read_RealSst2Split_ReadsEveryRow(string file, int expected)
    {
        var examples = JsonlReader.Read(Path.Combine(DataTestPaths.Sst2Dir, file), Sst2);
        Assert.Equal(expected, examples.Count);
        Assert.All(examples, e => Assert.EndsWith(" It was", e.Prompt));
        Assert.Contains(examples, e => e.Label == 0);
        Assert.Contains(examples, e => e.Label == 1);
    }

    [Fact]
    public void Read_RealTrainFirstRow_MatchesFile()
    {
        var path = Path.Combine(DataTestPaths.Sst2Dir, "train.jsonl");
        var first = JsonlReader.Read(path, Sst2, maxExamples: 1).Single();
        Assert.Equal("the excruciating end of days It was", first.Prompt);
        Assert.Equal("negative", first.Response);
        Assert.Equal($"{path} line 1", first.Source);
    }

    [Fact]
    public void Read_BlankLines_SkippedAndLineNumbersKept()
    {
        var path = DataTestPaths.WriteTempFile("d.jsonl", """{"text": "a", "label": 0}""", "", "   ", """{"text": "b", "label": 1}""");
        var examples = JsonlReader.Read(path, Sst2);
        Assert.Equal(["a It was", "b It was"], examples.Select(e => e.Prompt));
        Assert.Equal($"{path} line 4", examples[1].Source);
    }

    [Fact]
    public void Read_MaxExamples_StopsEarly()
    {
        var path = DataTestPaths.WriteTempFile("d.jsonl", """{"text": "a", "label": 0}""", """{"text": "b", "label": 1}""", "not json");
        Assert.Equal(2, JsonlReader.Read(path, Sst2, maxExamples: 2).Count);
    }

    [Fact]
    public void Read_InvalidJson_NamesFileAndLine()
    {
        var path = DataTestPaths.WriteTempFile("d.jsonl", """{"text": "a", "label": 0}""", """{"text": "b", "label": 1""");
        var ex = Assert.Throws<DataFormatException>(() => JsonlReader.Read(path, Sst2));
        Assert.StartsWith($"{path} line 2: invalid JSON", ex.Message);
    }

    [Fact]
    public void Read_RowNotObject_NamesLine()
    {
        var path = DataTestPaths.WriteTempFile("d.jsonl", "[1, 2]");
        var ex = Assert.Throws<DataFormatException>(() => JsonlReader.Read(path, Sst2));
        Assert.Equal($"{path} line 1: expected a JSON object, got Array", ex.Message);
    }

    [Fact]
    public void Read_LabelOutOfRange_NamesFileLineAndField()
    {
        var path = DataTestPaths.WriteTempFile("train.jsonl", "", """{"text": "a", "label": 0}""", """{"text": "b", "label": 7}""");
        var ex = Assert.Throws<DataFormatException>(() => JsonlReader.Read(path, Sst2));
        Assert.Equal($"{path} line 3: field \"label\" must be 0 or 1, got 7", ex.Message);
    }

    [Fact]
    public void Read_MissingFile_ThrowsNamingPath()
    {
        var path = Path.Combine(DataTestPaths.NewTempDir(), "nope.jsonl");
        var ex = Assert.Throws<DataFormatException>(() => JsonlReader.Read(path, Sst2));
        Assert.Equal($"{path}: data file not found", ex.Message);
        Assert.IsType<FileNotFoundException>(ex.InnerException);
    }

    [Fact]
    public void Read_EmptyFile_Throws()
    {
        var path = DataTestPaths.WriteTempFile("d.jsonl", "", "");
        var ex = Assert.Throws<DataFormatException>(() => JsonlReader.Read(path, Sst2));
        Assert.Contains(path, ex.Message);
    }
}
