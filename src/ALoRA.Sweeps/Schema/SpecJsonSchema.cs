using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using ALoRA.Abstractions.Sweeps;
using ALoRA.Sweeps.Stopping;

namespace ALoRA.Sweeps.Schema;

/// <summary>
/// The JSON Schema (draft 2020-12) of a sweep spec, generated from <see cref="SpecSchema"/>: every key with its type,
/// range, default, vocabulary and meaning, search domains per setting, and no unknown keys. Committed as
/// <c>docs/sweep-spec.schema.json</c> for editors (yaml-language-server); a test regenerates it. Checks across keys
/// (k1 against max_steps, blocks of unused methods, mode against metric) are the reader's alone.
/// </summary>
public static class SpecJsonSchema
{
    /// <summary>The path of the committed schema, relative to the repository root.</summary>
    public const string RelativePath = "docs/sweep-spec.schema.json";

    private const string StepsPattern = @"^\s*\+?[0-9]+(\.0*)?\s*steps?\s*$";
    private const string EpochsPattern = @"^\s*\+?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*(epochs?)?\s*$";

    private const string ScheduleDef = "schedule_length";

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The schema as indented JSON text with a final newline.</summary>
    public static string Generate() => Build().ToJsonString(Options).ReplaceLineEndings("\n") + "\n";

    private static JsonObject Build()
    {
        var properties = new JsonObject
        {
            ["id"] = Text("Sweep id; without it, sw- and the first 10 hex digits of the spec hash.", pattern: SpecSchema.IdPattern),
            ["name"] = Text("Display name only (not hashed)."),
            ["model"] = new JsonObject
            {
                ["description"] = "Hugging Face LLaMA model folder (config.json, model.safetensors, tokenizer.json), relative to the spec's folder; " +
                                  "or {path, dtype} to choose the dtype the frozen base is stored and computed in.",
                ["oneOf"] = new JsonArray(
                    Text("The model folder."),
                    new JsonObject
                    {
                        ["type"] = "object",
                        ["properties"] = new JsonObject
                        {
                            ["path"] = Text("The model folder."),
                            ["dtype"] = Enum("The base model's dtype (default: float32 on CPU, bfloat16 on CUDA); adapters, optimizer and losses stay float32.", ModelDTypes.All),
                        },
                        ["required"] = new JsonArray("path"),
                        ["additionalProperties"] = false,
                    }),
            },
            ["data"] = Text("Folder with train.jsonl, validation.jsonl and (for test_* metrics) test.jsonl; relative to the spec's folder."),
            ["task"] = Enum("How examples are formatted and scored.", SpecSchema.Tasks),
            ["metric"] = Enum("Ranks trials.", SpecSchema.Metrics, SpecSchema.DefaultMetric),
            ["mode"] = Enum("max for accuracies, min for losses (default: by metric); writing the other one is an error.", SpecSchema.Modes),
            ["max_concurrent_trials"] = Integer("The most trials of this sweep running at once (not hashed).", 1, SpecSchema.DefaultMaxConcurrentTrials),
            ["seeds"] = new JsonObject
            {
                ["description"] = "Training seeds; every configuration runs once per seed.",
                ["type"] = "array",
                ["items"] = new JsonObject { ["type"] = "integer" },
                ["minItems"] = 1,
                ["uniqueItems"] = true,
                ["default"] = new JsonArray([.. SpecSchema.DefaultSeeds.Select(s => (JsonNode)s)]),
            },
            ["num_samples"] = Integer("The grid is repeated this many times; random domains are re-drawn each time.", 1, SpecSchema.DefaultNumSamples),
            ["search_seed"] = Integer("Seed of the random domains.", null, 0),
            ["method"] = Setting(SpecSchema.Method),
            [SchedulerBlock.Key] = Scheduler(),
        };

        // The keys every allocating block shares are defined once and referenced from each block.
        var defs = new JsonObject { [ScheduleDef] = ScheduleValue() };
        foreach (var def in SpecSchema.AllocationCommon)
        {
            defs[$"allocation.{def.Key}"] = Setting(def);
        }

        foreach (var section in SpecSchema.SectionNames)
        {
            var block = new JsonObject();
            foreach (var def in SpecSchema.Section(section)!)
            {
                block[def.Key] = SpecSchema.AllocationCommon.Contains(def)
                    ? new JsonObject { ["$ref"] = $"#/$defs/allocation.{def.Key}" }
                    : Setting(def);
            }

            properties[section] = new JsonObject
            {
                ["description"] = section switch
                {
                    SpecSchema.LoraSection => "Adapter settings.",
                    SpecSchema.TrainingSection => "Optimisation settings (the seed comes from seeds).",
                    _ => $"Allocation schedule of {section} trials; only allowed when method takes the value {section}.",
                },
                ["type"] = new JsonArray("object", "null"),
                ["additionalProperties"] = false,
                ["properties"] = block,
            };
        }

        return new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["title"] = "ALoRA sweep spec",
            ["description"] = "A sweep spec (docs/sweep-spec.md). Generated from src/ALoRA.Sweeps/SpecSchema.cs; do not edit.",
            ["type"] = "object",
            ["required"] = new JsonArray("model", "data", "task"),
            ["additionalProperties"] = false,
            ["properties"] = properties,
            ["$defs"] = defs,
        };
    }

    /// <summary>A setting: its value, or (when searchable) a mapping with exactly one domain keyword.</summary>
    private static JsonObject Setting(SettingDef def)
    {
        var value = Value(def, allowNull: def.Nullable);
        var result = new JsonObject { ["description"] = def.Doc, ["default"] = Json(def.Default) };
        if (!def.Searchable)
        {
            foreach (var (key, node) in value)
            {
                result[key] = node?.DeepClone();
            }

            return result;
        }

        var domains = new JsonObject
        {
            ["grid_search"] = List(Value(def, def.Nullable), 1, null),
            ["choice"] = List(Value(def, def.Nullable), 1, null),
        };
        if (def.Kind == SettingKind.Real)
        {
            domains["uniform"] = List(Value(def, false), 2, 2);
            var positive = Value(def, false);
            positive["exclusiveMinimum"] = Math.Max(def.ExclusiveMinimum ?? 0, 0);
            domains["loguniform"] = List(positive, 2, 2);
        }
        else if (def.Kind == SettingKind.Integer)
        {
            var range = List(Value(def, false), 2, 2);
            range.Remove("items");
            range["prefixItems"] = new JsonArray(Value(def, false), new JsonObject { ["type"] = "integer" });
            domains["randint"] = range;
        }

        result["anyOf"] = new JsonArray(
            value,
            new JsonObject
            {
                ["type"] = "object",
                ["minProperties"] = 1,
                ["maxProperties"] = 1,
                ["additionalProperties"] = false,
                ["properties"] = domains,
            });
        return result;
    }

    /// <summary>One value of the setting's type and range.</summary>
    private static JsonObject Value(SettingDef def, bool allowNull)
    {
        JsonNode Type(string name) => allowNull ? new JsonArray(name, "null") : name;
        var value = new JsonObject();
        switch (def.Kind)
        {
            case SettingKind.Integer or SettingKind.Real:
                value["type"] = Type(def.Kind == SettingKind.Integer ? "integer" : "number");
                AddBounds(value, def);
                if (def.Kind == SettingKind.Integer)
                {
                    value["maximum"] = def.Maximum is { } max ? Number(Math.Min(max, int.MaxValue)) : int.MaxValue;
                }
                else if (def.Maximum is { } max)
                {
                    value["maximum"] = Number(max);
                }

                break;
            case SettingKind.Boolean:
                value["type"] = Type("boolean");
                break;
            case SettingKind.Text:
                value["enum"] = new JsonArray([.. def.Allowed!.Select(a => (JsonNode)a), .. allowNull ? new JsonNode?[] { null } : []]);
                break;
            case SettingKind.Schedule when def.Minimum == 0 && def.ExclusiveMinimum is null && def.ExclusiveMaximum is null && def.Maximum is null:
                value["$ref"] = $"#/$defs/{ScheduleDef}";
                break;
            case SettingKind.Schedule:
                throw new InvalidOperationException($"{def.Key}: schedule lengths are >= 0 and have no other bound");
            default:
                value["type"] = "array";
                value["items"] = new JsonObject { ["enum"] = new JsonArray([.. def.Allowed!.Select(a => (JsonNode)a)]) };
                value["minItems"] = 1;
                value["uniqueItems"] = true;
                break;
        }

        return value;
    }

    /// <summary>A schedule length >= 0: a number of epochs, or text with <c>epochs</c> or (whole) <c>steps</c>.</summary>
    private static JsonObject ScheduleValue() => new()
    {
        ["description"] = "A schedule length: a number of epochs (1, 0.25, 2epochs) or of optimizer steps (200steps; whole numbers), >= 0.",
        ["anyOf"] = new JsonArray(
            new JsonObject { ["type"] = "number", ["minimum"] = 0 },
            new JsonObject { ["type"] = "string", ["pattern"] = EpochsPattern },
            new JsonObject { ["type"] = "string", ["pattern"] = StepsPattern }),
    };

    private static void AddBounds(JsonObject value, SettingDef def)
    {
        if (def.Minimum is { } min)
        {
            value["minimum"] = Number(min);
        }

        if (def.ExclusiveMinimum is { } exclusiveMin)
        {
            value["exclusiveMinimum"] = Number(exclusiveMin);
        }

        if (def.ExclusiveMaximum is { } exclusiveMax)
        {
            value["exclusiveMaximum"] = Number(exclusiveMax);
        }
    }

    private static JsonNode Number(double value) => value == Math.Floor(value) && Math.Abs(value) < 1e15 ? (long)value : value;

    private static JsonObject List(JsonObject items, int minItems, int? maxItems)
    {
        var list = new JsonObject { ["type"] = "array", ["items"] = items, ["minItems"] = minItems };
        if (maxItems is { } max)
        {
            list["maxItems"] = max;
        }

        return list;
    }

    /// <summary>The <c>scheduler</c> block; which keys each type takes is checked by the reader.</summary>
    private static JsonObject Scheduler() => new()
    {
        ["description"] = "Early stopping across trials (asha, median or none), decided at evaluation points.",
        ["type"] = "object",
        ["required"] = new JsonArray("type"),
        ["additionalProperties"] = false,
        ["properties"] = new JsonObject
        {
            ["type"] = Enum("asha: successive halving at rungs; median: the median stopping rule; none: no early stopping.", StoppingTypes.All, StoppingTypes.None),
            ["metric"] = Enum("The metric compared at evaluation points (default: the dev form of the sweep's metric).", SchedulerBlock.Metrics),
            ["grace_period"] = new JsonObject
            {
                ["description"] = "Optimizer steps before any decision (200steps); required for asha and median.",
                ["type"] = "string",
                ["pattern"] = StepsPattern,
            },
            ["reduction_factor"] = Integer("asha: rungs at grace_period x factor^k; the top 1/factor continue.", 2, SchedulerBlock.DefaultReductionFactor),
            ["max_rungs"] = new JsonObject
            {
                ["description"] = "asha: the number of rungs (default: as many as the trials reach).",
                ["type"] = "integer",
                ["minimum"] = 1,
                ["maximum"] = int.MaxValue,
            },
            ["min_trials"] = Integer("median: other trials needed at a point before a trial can stop there.", 1, SchedulerBlock.DefaultMinTrials),
        },
    };

    private static JsonObject Text(string description, string pattern = @"\S") =>
        new() { ["description"] = description, ["type"] = "string", ["pattern"] = pattern };

    private static JsonObject Enum(string description, IEnumerable<string> values, string? defaultValue = null)
    {
        var result = new JsonObject { ["description"] = description, ["enum"] = new JsonArray([.. values.Select(v => (JsonNode)v)]) };
        if (defaultValue is not null)
        {
            result["default"] = defaultValue;
        }

        return result;
    }

    private static JsonObject Integer(string description, long? minimum, long defaultValue)
    {
        var result = new JsonObject { ["description"] = description, ["type"] = "integer", ["default"] = defaultValue };
        if (minimum is { } min)
        {
            result["minimum"] = min;
            result["maximum"] = int.MaxValue;
        }

        return result;
    }

    private static JsonNode? Json(object? value) => value switch
    {
        null => null,
        bool b => b,
        long l => l,
        double d => d,
        string s => s,
        IEnumerable<string> list => new JsonArray([.. list.Select(v => (JsonNode)v)]),
        _ => throw new InvalidOperationException($"no JSON form for {value.GetType().Name}"),
    };
}
