namespace ALoRA.Sweeps.Tests;

/// <summary>Malformed or impossible specs: each reports its error at the right YAML path and line, naming the field.</summary>
public sealed class MalformedSpecTests
{
    private const string H = Specs.Header; // lines 1-3

    /// <summary>Name, full YAML, expected path, expected line (0: not checked), text the message must contain.</summary>
    public static TheoryData<string, string, string, int, string> Cases => new()
    {
        { "unknown top-level key", H + "metrik: dev_loss\n", "metrik", 4, "unknown key 'metrik' in the spec; did you mean 'metric'?" },
        { "unknown key in training", H + "training:\n  learnig_rate: 0.1\n", "training.learnig_rate", 5, "did you mean 'learning_rate'?" },
        { "key of another block", H + "training:\n  r: 4\n", "training.r", 5, "r belongs under lora" },
        { "seed in training", H + "training:\n  seed: 4\n", "training.seed", 5, "top-level seeds list" },
        { "r zero", H + "lora:\n  r: 0\n", "lora.r", 5, "r must be in [1, 1024], got 0" },
        { "r a million (issue 12: accepted, then the silo ran out of memory)", H + "lora:\n  r: 1000000\n", "lora.r", 5, "r must be in [1, 1024], got 1000000" },
        { "r grid beyond the bound", H + "lora:\n  r: {grid_search: [8, 2048]}\n", "lora.r.grid_search[1]", 5, "r must be in [1, 1024] (in grid_search), got 2048" },
        { "r randint beyond the bound", H + "lora:\n  r: {randint: [8, 4096]}\n", "lora.r.randint", 5, "r must be in [1, 1024], but randint can give 4095" },
        { "batch_size beyond the bound", H + "training:\n  batch_size: 4097\n", "training.batch_size", 5, "batch_size must be in [1, 4096], got 4097" },
        { "max_sequence_length beyond the bound", H + "training:\n  max_sequence_length: 131073\n", "training.max_sequence_length", 5, "max_sequence_length must be in [8, 131072], got 131073" },
        { "gradient_accumulation_steps zero", H + "training:\n  gradient_accumulation_steps: 0\n", "training.gradient_accumulation_steps", 5, "gradient_accumulation_steps must be in [1, 4096], got 0" },
        { "batch_size not divisible by the accumulation steps", H + "training:\n  batch_size: 10\n  gradient_accumulation_steps: 4\n", "training.gradient_accumulation_steps", 6, "training.batch_size = 10 is not divisible by training.gradient_accumulation_steps = 4" },
        { "batch_size grid value not divisible by the accumulation steps", H + "training:\n  batch_size: {grid_search: [16, 20]}\n  gradient_accumulation_steps: 8\n", "training.gradient_accumulation_steps", 6, "training.batch_size = 20 is not divisible by training.gradient_accumulation_steps = 8" },
        { "default batch_size not divisible by the accumulation steps", H + "training:\n  gradient_accumulation_steps: 3\n", "training.gradient_accumulation_steps", 5, "training.gradient_accumulation_steps = 3 divides neither default batch size (16 below 10,000 training examples, else 128)" },
        { "val_batch_size beyond the bound", H + "alora:\n  val_batch_size: 5000\n", "alora.val_batch_size", 5, "val_batch_size must be in [1, 4096], got 5000" },
        { "r not a number", H + "lora:\n  r: \"eight\"\n", "lora.r", 5, "r must be an integer, got the string \"eight\"" },
        { "r fractional", H + "lora:\n  r: 8.5\n", "lora.r", 5, "r must be an integer, got 8.5" },
        { "list where a value is expected", H + "lora:\n  r: [4, 8]\n", "lora.r", 5, "r must be an integer, got a list; to search over several values write {grid_search: [...]}" },
        { "loguniform from zero", H + "training:\n  learning_rate: {loguniform: [0, 1]}\n", "training.learning_rate.loguniform", 5, "loguniform for learning_rate needs 0 < low <= high" },
        { "uniform reversed", H + "lora:\n  lora_dropout: {uniform: [0.5, 0.1]}\n", "lora.lora_dropout.uniform", 5, "uniform for lora_dropout needs low <= high, got [0.5, 0.1]" },
        { "uniform beyond range", H + "lora:\n  lora_dropout: {uniform: [0.5, 1.5]}\n", "lora.lora_dropout.uniform", 5, "lora_dropout must be in [0, 1), but uniform can give 1.5" },
        { "loguniform on an integer", H + "lora:\n  r: {loguniform: [1, 8]}\n", "lora.r.loguniform", 5, "loguniform draws real numbers but r must be an integer; use randint" },
        { "empty grid_search", H + "lora:\n  r: {grid_search: []}\n", "lora.r.grid_search", 5, "grid_search for r needs at least one value" },
        { "two domain keys", H + "lora:\n  r: {grid_search: [4], choice: [8]}\n", "lora.r", 5, "r: a search domain has exactly one key" },
        { "misspelt domain", H + "training:\n  learning_rate: {log_uniform: [1.0e-4, 1.0e-2]}\n", "training.learning_rate.log_uniform", 5, "unknown search domain 'log_uniform' for learning_rate; did you mean 'loguniform'?" },
        { "randint empty range", H + "training:\n  batch_size: {randint: [5, 5]}\n", "training.batch_size.randint", 5, "randint for batch_size needs low < high (high is exclusive), got [5, 5]" },
        { "randint on a real", H + "training:\n  learning_rate: {randint: [1, 5]}\n", "training.learning_rate.randint", 5, "randint draws integers but learning_rate must be a number" },
        { "k1 negative", H + "alora:\n  k1: -1\n", "alora.k1", 5, "k1 must be >= 0, got -1" },
        { "k1 not a schedule", H + "alora:\n  k1: 100 minutes\n", "alora.k1", 5, "k1 must be a schedule length" },
        { "k1 fractional steps", H + "alora:\n  k1: 12.5steps\n", "alora.k1", 5, "a step count must be a whole number" },
        { "k1 not below max_steps", H + "training:\n  max_steps: 100\nalora:\n  k1: 100steps\n", "alora.k1", 7, "k1 = 100steps is not below training.max_steps = 100" },
        { "k1 grid value not below max_steps", H + "training:\n  max_steps: 300\nalora:\n  k1: {grid_search: [100steps, 400steps]}\n", "alora.k1", 7, "k1 = 400steps is not below training.max_steps = 300" },
        { "k1 not below max_epochs", H + "training:\n  max_epochs: 1\n", "alora.k1", 5, "k1 = 1 epoch is not below training.max_epochs = 1" },
        { "ranks_per_round zero", H + "alora:\n  ranks_per_round: 0\n", "alora.ranks_per_round", 5, "ranks_per_round must be >= 1, got 0" },
        { "ranks_per_round over one layer's budget", H + "lora:\n  r: 2\n  target_modules: [q_proj, v_proj]\nalora:\n  ranks_per_round: 5\n", "alora.ranks_per_round", 8, "ranks_per_round = 5 exceeds r x len(lora.target_modules) = 2 x 2 = 4, the rank budget of one layer" },
        { "n_rounds negative", H + "alora:\n  n_rounds: -1\n", "alora.n_rounds", 5, "n_rounds must be >= 1, got -1" },
        { "unknown method in grid", H + "method: {grid_search: [lora, alorra]}\n", "method.grid_search[1]", 4, "unknown method 'alorra' (in grid_search); expected one of lora, alora, alora-dnas, alora-sensi; did you mean 'alora'?" },
        { "uniform over methods", H + "method: {uniform: [0, 1]}\n", "method.uniform", 4, "uniform draws real numbers but method must be one of lora" },
        { "unknown target module", H + "lora:\n  target_modules: [q_proj, k_proj, qkv_proj]\n", "lora.target_modules[2]", 5, "unknown module 'qkv_proj' in target_modules" },
        { "target module twice", H + "lora:\n  target_modules: [q_proj, q_proj]\n", "lora.target_modules[1]", 5, "target_modules lists 'q_proj' twice" },
        { "domain on target_modules", H + "lora:\n  target_modules: {grid_search: [[q_proj], [v_proj]]}\n", "lora.target_modules", 5, "search domains are only allowed on scalar settings" },
        { "missing model", "data: d\ntask: sst2\n", "model", 1, "model is required" },
        { "missing task", "model: m\ndata: d\n", "task", 1, "task is required" },
        { "unknown task", "model: m\ndata: d\ntask: sst-2\n", "task", 3, "unknown task 'sst-2'; expected one of sst2, rte, qnli, boolq, copa, prompt; did you mean 'sst2'?" },
        { "domain on task", "model: m\ndata: d\ntask: {grid_search: [sst2, rte]}\n", "task", 3, "search domains are only allowed on method and on the settings" },
        { "seeds duplicated", H + "seeds: [1, 2, 1]\n", "seeds[2]", 4, "seeds lists 1 twice" },
        { "seed not an integer", H + "seeds: [1, x]\n", "seeds[1]", 4, "seeds must be integers, got x" },
        { "seeds not a list", H + "seeds: 3\n", "seeds", 4, "seeds must be a list of integers, got 3; write [3]" },
        { "seeds empty", H + "seeds: []\n", "seeds", 4, "seeds needs at least one seed" },
        { "mode contradicts metric", H + "metric: dev_loss\nmode: max\n", "mode", 5, "mode max contradicts metric dev_loss, which is minimised" },
        { "unknown metric", H + "metric: accuracy\n", "metric", 4, "unknown metric 'accuracy'" },
        { "block for an unused method", H + "method: lora\nalora-dnas:\n  n_rounds: 2\n", "alora-dnas", 5, "alora-dnas settings given but method never takes the value alora-dnas" },
        { "alora block with lora only", H + "method: {grid_search: [lora]}\nalora: {k1: 2}\n", "alora", 5, "alora settings given but method never takes the value alora" },
        { "setting of another method's block", H + "alora:\n  beta1: 0.5\n", "alora.beta1", 5, "beta1 belongs under alora-sensi" },
        { "scorer unknown", H + "alora:\n  scorer: slow\n", "alora.scorer", 5, "unknown scorer 'slow'; expected one of fast, reference, approx, hybrid" },
        { "shortlist_factor zero", H + "alora:\n  scorer: hybrid\n  shortlist_factor: 0\n", "alora.shortlist_factor", 6, "shortlist_factor must be >= 1, got 0" },
        { "max_concurrent_trials zero", H + "max_concurrent_trials: 0\n", "max_concurrent_trials", 4, "max_concurrent_trials must be >= 1, got 0" },
        { "num_samples zero", H + "num_samples: 0\n", "num_samples", 4, "num_samples must be >= 1, got 0" },
        { "num_samples without random domains", H + "num_samples: 3\nlora:\n  r: {grid_search: [4, 8]}\n", "num_samples", 4, "no setting has a random domain" },
        { "warmup_ratio one", H + "training:\n  warmup_ratio: 1.0\n", "training.warmup_ratio", 5, "warmup_ratio must be in [0, 1), got 1" },
        { "max_sequence_length too short", H + "training:\n  max_sequence_length: 4\n", "training.max_sequence_length", 5, "max_sequence_length must be in [8, 131072], got 4" },
        { "boolean expected", H + "alora:\n  resample_val_batch: yes\n", "alora.resample_val_batch", 5, "resample_val_batch must be true or false, got yes" },
        { "null where not nullable", H + "training:\n  learning_rate: null\n", "training.learning_rate", 5, "learning_rate must be a number, got null" },
        { "bad id", H + "id: Demo_Sweep\n", "id", 4, "id must match [a-z0-9][a-z0-9-]{0,62}" },
        { "block not a mapping", H + "training: 5\n", "training", 4, "training must be a mapping of settings" },
        { "YAML syntax error", H + "lora:\n  r: [8\n  lora_dropout: 0.1\n", "", 5, "malformed YAML" },
        { "YAML bad indentation", H + "lora:\n  r: 8\n lora_dropout: 0.1\n", "", 6, "malformed YAML" },
        { "duplicate key", H + "lora:\n  r: 8\n  r: 4\n", "", 6, "malformed YAML" },
        { "two documents", H + "---\nmodel: x\n", "", 5, "a spec is one YAML document" },
        { "not a mapping", "- model: m\n", "", 1, "a spec must be a mapping of keys" },
        { "empty spec", "# nothing\n", "", 0, "the spec is empty" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Parse_MalformedSpec_ReportsPathLineAndField(string name, string yaml, string path, int line, string message)
    {
        var e = Specs.Fail(yaml);

        var error = e.Errors.FirstOrDefault(x => x.Path == path);
        Assert.True(error is not null, $"{name}: no error at '{path}'; got {string.Join(" | ", e.Errors)}");
        if (line > 0)
        {
            Assert.Equal(line, error.Line);
        }

        Assert.Contains(message, error.Message);
        Assert.Contains(error.ToString(), e.Message);
    }
}
