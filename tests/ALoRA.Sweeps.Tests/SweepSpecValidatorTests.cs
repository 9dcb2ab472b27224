namespace ALoRA.Sweeps.Tests;

public sealed class SweepSpecValidatorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sweep-files-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Folder(string name, params string[] files)
    {
        var path = Path.Combine(_dir, name);
        Directory.CreateDirectory(path);
        foreach (var f in files)
        {
            File.WriteAllText(Path.Combine(path, f), "{}");
        }

        return path;
    }

    [Fact]
    public void CheckFiles_CompleteFolders_ReportsNothing()
    {
        Folder("m", "config.json", "model.safetensors", "tokenizer.json");
        Folder("d", "train.jsonl", "validation.jsonl", "test.jsonl");
        var spec = SweepSpecParser.Parse("model: m\ndata: d\ntask: sst2\nmetric: test_accuracy\n", "s.yaml", _dir);

        Assert.Empty(SweepSpecValidator.CheckFiles(spec));
        SweepSpecValidator.EnsureFiles(spec);
    }

    [Fact]
    public void CheckFiles_MissingFiles_ReportsEachAtModelOrData()
    {
        Folder("m", "config.json");
        Folder("d", "validation.jsonl");
        File.WriteAllText(Path.Combine(_dir, "d", "train.jsonl"), "");
        var spec = SweepSpecParser.Parse("task: sst2\nmodel: m\nmetric: test_loss\ndata: d\n", "s.yaml", _dir);

        var errors = SweepSpecValidator.CheckFiles(spec);

        Assert.Equal(["model", "model", "data", "data"], errors.Select(e => e.Path));
        Assert.Equal([2, 2, 4, 4], errors.Select(e => e.Line));
        Assert.Contains("neither model.safetensors nor model.safetensors.index.json", errors[0].Message);
        Assert.Contains("no tokenizer.json", errors[1].Message);
        Assert.Contains("train.jsonl is empty", errors[2].Message);
        Assert.Contains("no test.jsonl (metric test_loss is measured on the test split)", errors[3].Message);
        var e = Assert.Throws<SweepSpecException>(() => SweepSpecValidator.EnsureFiles(spec));
        Assert.Equal(4, e.Errors.Count);
    }

    [Fact]
    public void CheckFiles_MissingFolders_NameTheResolvedPath()
    {
        File.WriteAllText(Path.Combine(_dir, "afile"), "x");
        var spec = SweepSpecParser.Parse("model: nowhere\ndata: afile\ntask: rte\n", null, _dir);

        var errors = SweepSpecValidator.CheckFiles(spec);

        Assert.Equal($"model folder not found: {Path.Combine(_dir, "nowhere")}", errors[0].Message);
        Assert.Equal($"data must be a folder, but {Path.Combine(_dir, "afile")} is a file", errors[1].Message);
    }

    [Fact]
    public void CheckFiles_SpecWithoutBaseDirectory_UsesTheGivenOne()
    {
        Folder("m", "config.json", "model.safetensors.index.json", "tokenizer.json");
        Folder("d", "train.jsonl", "validation.jsonl");
        var spec = SweepSpecParser.Parse("model: m\ndata: d\ntask: sst2\n");

        Assert.Empty(SweepSpecValidator.CheckFiles(spec, _dir));
    }
}
