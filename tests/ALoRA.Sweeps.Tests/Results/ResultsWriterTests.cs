using System.Globalization;
using System.Text;
using System.Text.Json;
using ALoRA.Abstractions.Trials;
using ALoRA.Sweeps.Results;
using static ALoRA.Sweeps.Tests.Results.ResultsFixtures;

namespace ALoRA.Sweeps.Tests.Results;

public sealed class ResultsWriterTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "alora-results-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public void WriteCsv_HeaderAndOneRowPerTrial()
    {
        var rows = SweepResults.Rank(Sweep("test_accuracy", "max", Completed(0, "lora", 0.8), Unfinished(1, "alora", TrialState.Queued)));
        var path = Path.Combine(_folder, "nested", "results.csv");

        ResultsWriter.WriteCsv(rows, path);

        var lines = File.ReadAllText(path).Split("\r\n");
        Assert.Equal(4, lines.Length);
        Assert.Equal("", lines[3]);
        Assert.StartsWith("rank,trial_id,index,method,lora_r,target_modules,", lines[0]);
        Assert.Contains("metric_value", lines[0]);
        Assert.StartsWith("1,sw-000,0,lora,8,2,32,28,lora.r=8; training.learning_rate=0.0003,40,2000,1000,0.8,", lines[1]);
        Assert.EndsWith(",completed,,true", lines[1]);
        Assert.StartsWith(",sw-001,1,alora,", lines[2]);
        Assert.EndsWith(",queued,,", lines[2]);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp"));
    }

    [Fact]
    public void WriteCsv_QuotesCommasQuotesAndNewlines()
    {
        var error = "bad \"value\", line one\nline two\r\nthree";
        var trial = Unfinished(0, "lora", TrialState.Failed, error) with
        {
            SearchValues = new Dictionary<string, string> { ["a"] = "1,2", ["b"] = "x" },
        };
        var path = Path.Combine(_folder, "quoted.csv");

        ResultsWriter.WriteCsv(SweepResults.Rank(Sweep("test_accuracy", "max", trial)), path);

        var text = File.ReadAllText(path);
        Assert.Contains(",\"a=1,2; b=x\",", text);
        Assert.EndsWith(",failed,\"bad \"\"value\"\", line one\nline two\r\nthree\",\r\n", text);
        var records = ParseCsv(text);
        Assert.Equal(2, records.Count);
        Assert.Equal(records[0].Count, records[1].Count);
        Assert.Equal(error, records[1][records[0].IndexOf("error")]);
        Assert.Equal("a=1,2; b=x", records[1][records[0].IndexOf("hyper_parameters")]);
    }

    [Fact]
    public void WriteCsv_NumbersInvariantWhateverTheCulture()
    {
        var previous = CultureInfo.CurrentCulture;
        try
        {
            var commaDecimals = (CultureInfo)CultureInfo.InvariantCulture.Clone();
            commaDecimals.NumberFormat.NumberDecimalSeparator = ",";
            commaDecimals.NumberFormat.NumberGroupSeparator = ".";
            CultureInfo.CurrentCulture = commaDecimals;
            var path = Path.Combine(_folder, "culture.csv");
            ResultsWriter.WriteCsv(SweepResults.Rank(Sweep("test_accuracy", "max", Completed(0, "lora", 0.8125))), path);

            var records = ParseCsv(File.ReadAllText(path));
            Assert.Equal("0.8125", records[1][records[0].IndexOf("metric_value")]);
            Assert.Equal("3456.25", records[1][records[0].IndexOf("tokens_per_second")]);
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void WriteJson_SnakeCaseFieldsAndInvariantNumbers()
    {
        var status = Sweep("test_accuracy", "max",
            Completed(0, "lora", 0.8125),
            Unfinished(1, "alora", TrialState.Failed, "oom"),
            Completed(2, "alora", 0.9) with { Result = Completed(2, "alora", 0.9).Result! with { DevLoss = double.NaN } });
        var path = Path.Combine(_folder, "results.json");

        ResultsWriter.WriteJson(status, SweepResults.Rank(status), path);

        var text = File.ReadAllText(path, Encoding.UTF8);
        Assert.Contains("\n  \"trials\": [", text);
        using var doc = JsonDocument.Parse(text);
        var root = doc.RootElement;
        Assert.Equal("sw", root.GetProperty("sweep_id").GetString());
        Assert.Equal("test_accuracy", root.GetProperty("metric").GetString());
        Assert.Equal("max", root.GetProperty("mode").GetString());
        var trials = root.GetProperty("trials");
        Assert.Equal(3, trials.GetArrayLength());

        var best = trials[0];
        Assert.Equal(1, best.GetProperty("rank").GetInt32());
        Assert.Equal("sw-002", best.GetProperty("trial_id").GetString());
        Assert.Equal("NaN", best.GetProperty("dev_loss").GetString());

        var second = trials[1];
        Assert.Equal(0.8125, second.GetProperty("metric_value").GetDouble());
        Assert.Contains("\"metric_value\": 0.8125", text);
        Assert.Contains("\"tokens_per_second\": 3456.25", text);
        Assert.Equal(1000, second.GetProperty("trainable_params_after").GetInt64());
        Assert.Equal("completed", second.GetProperty("state").GetString());
        Assert.Equal("0.0003", second.GetProperty("search_values").GetProperty("training.learning_rate").GetString());

        var failed = trials[2];
        Assert.Equal(JsonValueKind.Null, failed.GetProperty("rank").ValueKind);
        Assert.Equal(JsonValueKind.Null, failed.GetProperty("metric_value").ValueKind);
        Assert.Equal("oom", failed.GetProperty("error").GetString());
        Assert.Equal("failed", failed.GetProperty("state").GetString());

        foreach (var property in second.EnumerateObject())
        {
            Assert.Matches("^[a-z0-9_]+$", property.Name);
        }
    }

    [Fact]
    public void WriteJson_ParetoFrontAndComparisons_StableFieldNames()
    {
        var status = Sweep("test_accuracy", "max",
            Completed(0, "lora", 0.80, paramsAfter: 1000) with { Seed = 1 },
            Completed(1, "alora", 0.84, paramsAfter: 900) with { Seed = 1 },
            Completed(2, "lora", 0.82, paramsAfter: 1000) with { Seed = 2 },
            Unfinished(3, "alora", TrialState.Failed, "oom") with { Seed = 2, SearchValues = Completed(3, "alora", 0).SearchValues });
        var rows = SweepResults.Rank(status);
        var comparisons = PairedComparisons.Compare(rows, status.Metric);
        var path = Path.Combine(_folder, "results.json");

        ResultsWriter.WriteJson(status, rows, path, comparisons);

        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        // alora (900 parameters, 0.84) dominates both lora trials (1000, 0.80 and 0.82).
        Assert.Equal(["sw-001"], root.GetProperty("pareto_front").EnumerateArray().Select(e => e.GetString()));
        Assert.True(root.GetProperty("trials")[0].GetProperty("pareto_front").GetBoolean());
        Assert.False(root.GetProperty("trials")[1].GetProperty("pareto_front").GetBoolean());
        var first = root.GetProperty("comparisons")[0];
        Assert.Equal(
            ["baseline", "other", "metric", "pairs", "mean_difference", "ci_lower", "ci_upper", "wilcoxon_p", "wilcoxon_method", "w_plus",
             "zero_differences", "left_out", "left_out_reasons", "pair_list"],
            first.EnumerateObject().Select(p => p.Name));
        Assert.Equal(("lora r=8", "alora r=8", "test_accuracy"), (first.GetProperty("baseline").GetString(), first.GetProperty("other").GetString(), first.GetProperty("metric").GetString()));
        Assert.Equal(1, first.GetProperty("pairs").GetInt32());
        Assert.Equal(0.04, first.GetProperty("mean_difference").GetDouble(), 10);
        Assert.Equal(["trial sw-003 failed"], first.GetProperty("left_out_reasons").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("sw-001", first.GetProperty("pair_list")[0].GetProperty("other_trial").GetString());
    }

    [Fact]
    public void WriteComparisonsCsv_OneRowPerComparisonAndMetric()
    {
        var status = Sweep("test_accuracy", "max",
            Completed(0, "lora", 0.80) with { Seed = 1 }, Completed(1, "alora", 0.84) with { Seed = 1 },
            Completed(2, "lora", 0.82) with { Seed = 2 }, Completed(3, "alora", 0.83) with { Seed = 2 });
        var comparisons = PairedComparisons.Compare(SweepResults.Rank(status), status.Metric);
        var path = Path.Combine(_folder, "comparisons.csv");

        ResultsWriter.WriteComparisonsCsv(comparisons, path);

        var table = ParseCsv(File.ReadAllText(path));
        Assert.Equal(
            "baseline,other,metric,pairs,mean_difference,ci_lower,ci_upper,wilcoxon_p,wilcoxon_method,w_plus,zero_differences,left_out,left_out_reasons",
            string.Join(',', table[0]));
        Assert.Equal(5, table.Count);
        Assert.Equal(["lora r=8", "alora r=8", "test_accuracy", "2"], table[1].Take(4));
        Assert.Equal("exact", table[1][8]);
        // Two positive untied differences: W+ = 3, exact two-sided p = 2 * 1/4.
        Assert.Equal(0.5, double.Parse(table[1][7], CultureInfo.InvariantCulture));
    }

    [Fact]
    public void WriteJson_ReplacesAnExistingFile()
    {
        var path = Path.Combine(_folder, "again.json");
        Directory.CreateDirectory(_folder);
        File.WriteAllText(path, "old content that is longer than nothing at all");
        var status = Sweep("test_accuracy", "max");

        ResultsWriter.WriteJson(status, SweepResults.Rank(status), path);

        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        Assert.Equal(0, doc.RootElement.GetProperty("trials").GetArrayLength());
        Assert.Single(Directory.GetFiles(_folder));
    }

    /// <summary>A strict RFC 4180 reader for the tests.</summary>
    private static List<List<string>> ParseCsv(string text)
    {
        var records = new List<List<string>>();
        var record = new List<string>();
        var field = new StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '"')
            {
                i++;
                while (true)
                {
                    if (text[i] == '"' && i + 1 < text.Length && text[i + 1] == '"')
                    {
                        field.Append('"');
                        i += 2;
                    }
                    else if (text[i] == '"')
                    {
                        i++;
                        break;
                    }
                    else
                    {
                        field.Append(text[i++]);
                    }
                }
            }
            else if (text[i] == ',')
            {
                record.Add(field.ToString());
                field.Clear();
                i++;
            }
            else if (text[i] == '\r' && text[i + 1] == '\n')
            {
                record.Add(field.ToString());
                field.Clear();
                records.Add(record);
                record = [];
                i += 2;
            }
            else
            {
                field.Append(text[i++]);
            }
        }

        return records;
    }
}
