using ALoRA.Abstractions.Sweeps;
using ALoRA.Abstractions.Trials;

namespace ALoRA.Sweeps.Tests;

/// <summary>The trial contract against the one schema: default instances hold the declared defaults, and the trial
/// check applies the reader's rules.</summary>
public sealed class SchemaContractTests
{
    public static TheoryData<string> Sections() => [.. SpecSchema.SectionNames];

    [Theory]
    [MemberData(nameof(Sections))]
    public void DefaultContract_HoldsTheDeclaredDefaults(string section)
    {
        var trial = new TrialSpec { Method = TrialMethods.Allocates(section) ? section : TrialMethods.Lora, Allocation = new AllocationSettings() };

        foreach (var def in SpecSchema.Section(section)!)
        {
            var value = def.Read!(trial);
            if (def.Kind == SettingKind.ModuleList)
            {
                Assert.Equal((IEnumerable<string>)def.Default!, (IEnumerable<string>)value!);
            }
            else
            {
                Assert.True(Equals(value is int i ? (long)i : value, def.Default), $"{section}.{def.Key}: contract default {SpecSchema.Format(value)}, schema default {SpecSchema.Format(def.Default)}");
            }
        }
    }

    [Fact]
    public void DefaultContract_SeedIsTheDefaultSeedsList() =>
        Assert.Equal(Specs.Parse("").Seeds, [new TrainingSettings().Seed]);

    [Fact]
    public void Metrics_EveryOneIsReadFromTheTrialResult()
    {
        var result = new TrialResult { DevMetric = 0.1, TestMetric = 0.2, DevLoss = 0.3, TestLoss = 0.4 };

        Assert.Equal(new double?[] { 0.1, 0.2, 0.3, 0.4 }, SpecSchema.Metrics.Select(m => result.MetricValue(m)));
    }

    [Fact]
    public void EveryDeclaredSetting_HasDocAndContractAccessor() =>
        Assert.All(SpecSchema.SectionNames.SelectMany(s => SpecSchema.Section(s)!), d =>
        {
            Assert.False(string.IsNullOrWhiteSpace(d.Doc), d.Key);
            Assert.NotNull(d.Read);
        });

    [Fact]
    public void Check_DefaultTrialOfEveryMethod_IsClean() =>
        Assert.All(TrialMethods.All, m => Assert.Empty(TrialSettings.Check(new TrialSpec { Method = m, Allocation = new AllocationSettings() })));

    [Theory]
    [InlineData("training: {max_sequence_length: 7}", "training.max_sequence_length")]
    [InlineData("lora: {lora_dropout: 1.0}", "lora.lora_dropout")]
    [InlineData("lora: {r: 0}", "lora.r")]
    [InlineData("training: {learning_rate: 0}", "training.learning_rate")]
    [InlineData("method: alora-sensi\nalora-sensi: {beta2: 1}", "alora-sensi.beta2")]
    [InlineData("method: alora\nalora: {k2: -1}", "alora.k2")]
    public void Check_RejectsWhatTheReaderRejects(string yaml, string path)
    {
        Assert.Contains(Specs.Fail(Specs.Header + yaml).Errors, e => e.Path == path);

        // The same value, in an otherwise default trial.
        var ok = SweepExpander.Expand(Specs.Parse(""));
        var trial = ok.Trials[0] with { Method = path.Split('.')[0] is var s && TrialMethods.Allocates(s) ? s : ok.Trials[0].Method };
        trial = path switch
        {
            "training.max_sequence_length" => trial with { Training = trial.Training with { MaxSequenceLength = 7 } },
            "lora.lora_dropout" => trial with { Lora = trial.Lora with { LoraDropout = 1.0 } },
            "lora.r" => trial with { Lora = trial.Lora with { R = 0 } },
            "training.learning_rate" => trial with { Training = trial.Training with { LearningRate = 0 } },
            "alora-sensi.beta2" => trial with { Allocation = new AllocationSettings { SensitivityBeta2 = 1 } },
            _ => trial with { Allocation = new AllocationSettings { K2 = "-1" } },
        };
        Assert.Contains(TrialSettings.Check(trial), m => m.StartsWith(path + " ", StringComparison.Ordinal));
    }
}
