using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace ALoRA.Silo.Hosting;

/// <summary>Reads <see cref="SiloHostOptions"/> from configuration when the host is being composed (before any service exists).</summary>
public static class SiloHostConfiguration
{
    private static readonly HashSet<string> Settings = typeof(SiloHostOptions)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Select(p => p.Name)
        .ToHashSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Binds the <c>Alora:Silo</c> section of <paramref name="configuration"/> and validates it. Unknown keys in the section
    /// (typos), values that do not convert (e.g. <c>SiloPort=abc</c>) and invalid settings all fail with one
    /// <see cref="OptionsValidationException"/> listing every problem, each naming its key.
    /// </summary>
    /// <exception cref="OptionsValidationException">The settings are not usable.</exception>
    public static SiloHostOptions Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(SiloHostOptions.Section);
        var errors = new List<string>();
        foreach (var child in section.GetChildren())
        {
            if (!Settings.Contains(child.Key))
            {
                errors.Add($"{child.Path} is not a setting; known: {string.Join(", ", Settings.Order(StringComparer.Ordinal))}");
            }
        }

        var options = new SiloHostOptions();
        foreach (var property in typeof(SiloHostOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            // One property at a time, so that every value that does not convert is reported, not only the first.
            var value = section.GetSection(property.Name);
            if (value.Value is null && !value.GetChildren().Any())
            {
                continue; // not set (a list, such as AllowedRoots, is set through its children)
            }

            try
            {
                property.SetValue(options, value.Get(property.PropertyType));
            }
            catch (InvalidOperationException)
            {
                errors.Add($"{value.Path} = '{value.Value}' is not a valid {Describe(property.PropertyType)}");
            }
        }

        // Values that did not convert keep their defaults, so the rest is still worth checking.
        var result = new SiloHostOptionsValidator().Validate(Options.DefaultName, options);
        if (result.Failed)
        {
            errors.AddRange(result.Failures);
        }

        return errors.Count == 0 ? options : throw new OptionsValidationException(Options.DefaultName, typeof(SiloHostOptions), errors);
    }

    /// <summary>Copies every setting of <paramref name="source"/> onto <paramref name="target"/>.</summary>
    public static void CopyTo(SiloHostOptions source, SiloHostOptions target)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        foreach (var property in typeof(SiloHostOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            property.SetValue(target, property.GetValue(source));
        }
    }

    private static string Describe(Type type) => type switch
    {
        _ when type == typeof(int) => "whole number",
        _ when type == typeof(TimeSpan) => "time span (hh:mm:ss, e.g. 00:00:02)",
        _ when type == typeof(List<string>) => "list of folders (Alora__Silo__AllowedRoots__0, __1, ...)",
        _ => type.Name,
    };
}
