using System.Text.Json;
using ALoRA.Engine.Data;

namespace ALoRA.Engine.Tests.Data;

public sealed class TaskTemplateTests
{
    private static TaskExample Parse(string task, string json) =>
        TaskRegistry.Get(task).Parse(JsonDocument.Parse(json).RootElement, "data.jsonl", 7);

    private static DataFormatException ParseError(string task, string json) =>
        Assert.Throws<DataFormatException>(() => Parse(task, json));

    [Fact]
    public void Sst2Parse_TextAndLabel_UsesTemplateAndSentimentWords()
    {
        var ex = Parse("sst2", """{"text": " a classic ", "label": 1}""");
        Assert.Equal("a classic It was", ex.Prompt);
        Assert.Equal(["negative", "positive"], ex.Candidates);
        Assert.Equal("positive", ex.Response);
    }

    [Fact]
    public void Sst2Parse_GlueSentenceField_Accepted()
    {
        var ex = Parse("sst2", """{"sentence": "dull", "label": 0, "idx": 3}""");
        Assert.Equal(("dull It was", "negative"), (ex.Prompt, ex.Response));
    }

    [Fact]
    public void Sst2Parse_LabelOutOfRange_NamesFileLineAndField()
    {
        var ex = ParseError("sst2", """{"text": "x", "label": 7}""");
        Assert.Equal("data.jsonl line 7: field \"label\" must be 0 or 1, got 7", ex.Message);
        Assert.Equal(("data.jsonl", 7, "label"), (ex.FilePath, ex.Line, ex.Field));
    }

    [Fact]
    public void Sst2Parse_MissingText_NamesBothAliases()
    {
        var ex = ParseError("sst2", """{"label": 1}""");
        Assert.Equal("data.jsonl line 7: field \"text\" is missing (or \"sentence\")", ex.Message);
    }

    [Fact]
    public void Sst2Parse_TextNotString_NamesType()
    {
        var ex = ParseError("sst2", """{"text": 5, "label": 1}""");
        Assert.Equal("data.jsonl line 7: field \"text\" must be a string, got number 5", ex.Message);
    }

    [Fact]
    public void RteParse_GlueFieldsAndStringLabel_MapsNotEntailmentToNo()
    {
        var ex = Parse("rte", """{"sentence1": "A dog runs.", "sentence2": "A cat sleeps.", "label": "not_entailment"}""");
        Assert.Equal("A dog runs.\nQuestion: Does this mean that \"A cat sleeps.\"? Yes or no?\nAnswer:", ex.Prompt);
        Assert.Equal(["yes", "no"], ex.Candidates);
        Assert.Equal(1, ex.Label);
    }

    [Fact]
    public void RteParse_SuperGlueFields_EntailmentIsYes()
    {
        var ex = Parse("rte", """{"premise": "P.", "hypothesis": "H.", "label": 0}""");
        Assert.Equal("yes", ex.Response);
        Assert.StartsWith("P.\n", ex.Prompt);
    }

    [Fact]
    public void QnliParse_Entailment_IsYes()
    {
        var ex = Parse("qnli", """{"question": "Who?", "sentence": "Bob did.", "label": 0}""");
        Assert.Equal("Question: Who?\nSentence: Bob did.\nDoes the sentence answer the question? Yes or no?\nAnswer:", ex.Prompt);
        Assert.Equal("yes", ex.Response);
    }

    [Theory]
    [InlineData("""{"question": "is it", "passage": "P", "label": true}""", "yes")]
    [InlineData("""{"question": "is it?", "passage": "P", "answer": false}""", "no")]
    [InlineData("""{"question": "is it", "passage": "P", "label": 1}""", "yes")]
    public void BoolQParse_BoolOrIntLabel_TrueIsYes(string json, string expected)
    {
        var ex = Parse("boolq", json);
        Assert.Equal("P\nQuestion: is it?\nAnswer:", ex.Prompt);
        Assert.Equal(["no", "yes"], ex.Candidates);
        Assert.Equal(expected, ex.Response);
    }

    [Fact]
    public void CopaParse_Cause_EndsWithBecauseAndLowercasesChoices()
    {
        var ex = Parse(
            "copa",
            """{"premise": "My body cast a shadow over the grass.", "choice1": "The sun was rising.", "choice2": "I mowed the grass.", "question": "cause", "label": 0}""");
        Assert.Equal("My body cast a shadow over the grass because", ex.Prompt);
        Assert.Equal(["the sun was rising.", "I mowed the grass."], ex.Candidates);
        Assert.Equal(0, ex.Label);
    }

    [Fact]
    public void CopaParse_Effect_EndsWithSo()
    {
        var ex = Parse("copa", """{"premise": "It rained.", "choice1": "A", "choice2": "B", "question": "effect", "label": 1}""");
        Assert.Equal(("It rained so", "b"), (ex.Prompt, ex.Response));
    }

    [Fact]
    public void CopaParse_UnknownQuestion_NamesField()
    {
        var ex = ParseError("copa", """{"premise": "P", "choice1": "A", "choice2": "B", "question": "why", "label": 1}""");
        Assert.StartsWith("data.jsonl line 7: field \"question\" must be 0 or 1 or one of \"cause\", \"effect\", got \"why\"", ex.Message);
    }

    [Fact]
    public void PromptParse_PromptAndResponse_SingleCandidate()
    {
        var template = TaskRegistry.Get("prompt");
        var ex = Parse("prompt", """{"prompt": "Say hi.", "response": "hi"}""");
        Assert.False(template.IsClassification);
        Assert.Equal(("Say hi.", 0), (ex.Prompt, ex.Label));
        Assert.Equal(["hi"], ex.Candidates);
    }

    [Fact]
    public void PromptParse_EmptyResponse_Throws()
    {
        var ex = ParseError("prompt", """{"prompt": "Say hi.", "response": "  "}""");
        Assert.Equal("data.jsonl line 7: field \"response\" must not be empty", ex.Message);
    }

    [Theory]
    [InlineData("SST2", "sst2")]
    [InlineData("Rte", "rte")]
    [InlineData("boolq", "boolq")]
    public void RegistryGet_AnyCase_ReturnsTemplate(string name, string expected)
    {
        Assert.Equal(expected, TaskRegistry.Get(name).Name);
    }

    [Fact]
    public void RegistryGet_UnknownName_ListsKnownNames()
    {
        var ex = Assert.Throws<ArgumentException>(() => TaskRegistry.Get("mnli"));
        Assert.Contains("\"mnli\"", ex.Message);
        foreach (var name in new[] { "sst2", "rte", "qnli", "boolq", "copa", "prompt" })
        {
            Assert.Contains(name, ex.Message);
            Assert.Contains(name, TaskRegistry.Names);
        }
    }

    [Fact]
    public void RegistryNames_ClassificationTasks_HaveSeveralCandidates()
    {
        Assert.True(TaskRegistry.Names.Where(n => n != "prompt").All(n => TaskRegistry.Get(n).IsClassification));
    }
}
