using System.ComponentModel.DataAnnotations;

namespace ALoRA.Grains.Hosting;

/// <summary>
/// The data annotations (<see cref="RangeAttribute"/>, <see cref="RequiredAttribute"/>, ...) of an options class, checked
/// by its <c>IValidateOptions</c> so that each rule is declared once, on the property, and its message names the setting.
/// </summary>
internal static class OptionsAnnotations
{
    /// <summary>Adds one message per broken annotation: <c>&lt;section&gt;:&lt;property&gt;: &lt;the annotation's message&gt; (got &lt;value&gt;)</c>.</summary>
    public static void Validate<T>(T options, string section, List<string> errors)
        where T : class
    {
        var results = new List<ValidationResult>();
        if (Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
        {
            return;
        }

        foreach (var result in results)
        {
            foreach (var member in result.MemberNames.DefaultIfEmpty(""))
            {
                var value = typeof(T).GetProperty(member)?.GetValue(options);
                errors.Add($"{section}:{member}: {result.ErrorMessage?.TrimEnd('.')} (got {value ?? "nothing"})");
            }
        }
    }
}
