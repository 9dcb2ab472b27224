namespace ALoRA.TestSupport;

/// <summary>
/// A LLaMA-7B model folder without weights, for the simulated engine (docs/operations.md, "The simulated engine"): LLaMA-7B's config.json,
/// an empty <c>model.safetensors.index.json</c> (submit checks the files exist; the simulated engine reads no weights)
/// and stories260K's <c>tokenizer.json</c> (the memory check at submit tokenizes the longest examples with it).
/// </summary>
public static class Llama7BFolder
{
    /// <summary>LLaMA-7B's Hugging Face config.json (6,738,415,616 parameters).</summary>
    public const string Config = """
        {"architectures": ["LlamaForCausalLM"], "hidden_size": 4096, "intermediate_size": 11008, "num_attention_heads": 32,
         "num_hidden_layers": 32, "num_key_value_heads": 32, "vocab_size": 32000, "max_position_embeddings": 2048,
         "rms_norm_eps": 1e-06, "tie_word_embeddings": false, "model_type": "llama"}
        """;

    /// <summary>Creates the folder (and its parents) and returns it.</summary>
    /// <param name="folder">Where.</param>
    public static string Create(string folder)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), Config);
        File.WriteAllText(Path.Combine(folder, "model.safetensors.index.json"), """{"metadata": {}, "weight_map": {}}""");
        File.Copy(Path.Combine(RepositoryPaths.Stories260K, "tokenizer.json"), Path.Combine(folder, "tokenizer.json"), overwrite: true);
        return folder;
    }

    /// <summary>
    /// Creates an SST-2-shaped data folder of <paramref name="train"/> training and <paramref name="validation"/>
    /// validation rows (short sentences; no test.jsonl) and returns it.
    /// </summary>
    /// <param name="folder">Where.</param>
    /// <param name="train">Rows of train.jsonl.</param>
    /// <param name="validation">Rows of validation.jsonl.</param>
    public static string CreateData(string folder, int train, int validation)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllLines(Path.Combine(folder, "train.jsonl"), Enumerable.Range(0, train).Select(i => $$"""{"sentence": "a short review number {{i}}", "label": {{i % 2}}}"""));
        File.WriteAllLines(Path.Combine(folder, "validation.jsonl"), Enumerable.Range(0, validation).Select(i => $$"""{"sentence": "a dev review number {{i}}", "label": {{i % 2}}}"""));
        return folder;
    }
}
