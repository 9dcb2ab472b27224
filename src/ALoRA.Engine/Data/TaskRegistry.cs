namespace ALoRA.Engine.Data;

/// <summary>The known task templates by name: <c>sst2</c>, <c>rte</c>, <c>qnli</c>, <c>boolq</c>, <c>copa</c>, <c>prompt</c>.</summary>
public static class TaskRegistry
{
    private static readonly ITaskTemplate[] All =
        [new Sst2Task(), new RteTask(), new QnliTask(), new BoolQTask(), new CopaTask(), new PromptResponseTask()];

    /// <summary>The registered names, in registration order.</summary>
    public static IReadOnlyList<string> Names { get; } = All.Select(t => t.Name).ToArray();

    /// <summary>Returns the template called <paramref name="name"/> (case-insensitive).</summary>
    /// <param name="name">A task name such as <c>SST2</c> or <c>sst2</c>.</param>
    /// <exception cref="ArgumentException">The name is unknown; the message lists the known names.</exception>
    public static ITaskTemplate Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return All.FirstOrDefault(t => string.Equals(t.Name, name.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"unknown task \"{name}\"; known tasks: {string.Join(", ", Names)}", nameof(name));
    }
}
