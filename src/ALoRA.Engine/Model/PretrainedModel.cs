using ALoRA.Engine.Data;

namespace ALoRA.Engine.Model;

/// <summary>A Hugging Face model folder loaded as model + tokenizer, checked to fit each other.</summary>
public sealed class PretrainedModel : IDisposable
{
    private PretrainedModel(LlamaForCausalLM model, HfTokenizer tokenizer)
    {
        Model = model;
        Tokenizer = tokenizer;
    }

    /// <summary>The model.</summary>
    public LlamaForCausalLM Model { get; }

    /// <summary>The tokenizer from <c>tokenizer.json</c>.</summary>
    public HfTokenizer Tokenizer { get; }

    /// <summary>Loads <c>tokenizer.json</c> and the model; fails (naming the file) when the tokenizer's ids exceed the vocabulary.</summary>
    public static PretrainedModel Load(string modelDir, ModelLoadOptions? options = null)
    {
        var tokenizerPath = Path.Combine(modelDir, "tokenizer.json");
        if (!File.Exists(tokenizerPath))
        {
            throw new ModelLoadException($"{tokenizerPath}: file not found (training on text needs the model's tokenizer.json)");
        }

        var config = LlamaConfig.Load(Path.Combine(modelDir, "config.json"));
        var tokenizer = HfTokenizer.Load(tokenizerPath);
        try
        {
            tokenizer.EnsureFits(config.VocabSize, modelDir);
            return new PretrainedModel(HfModelLoader.Load(modelDir, options), tokenizer);
        }
        catch
        {
            tokenizer.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Model.Dispose();
        Tokenizer.Dispose();
    }
}
