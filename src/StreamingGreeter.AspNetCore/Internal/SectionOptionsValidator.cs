using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace StreamingGreeter.AspNetCore.Internal;

/// <summary>
/// Checks an options type's DataAnnotations and words each failure as the configuration key and its value, then the
/// rule: <c>Hub:SubscriberBufferCapacity is 0: it must be between 1 and 1000000</c>. DataAnnotations' own sentence
/// names neither the section nor the value, so an operator cannot tell which setting to fix.
/// </summary>
internal sealed class SectionOptionsValidator<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] TOptions>(string section)
    : IValidateOptions<TOptions>
    where TOptions : class
{
    private static readonly (PropertyInfo Property, ValidationAttribute[] Rules)[] Rules = [.. typeof(TOptions)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(static property => property.CanRead)
        .Select(static property => (property, property.GetCustomAttributes<ValidationAttribute>(inherit: true).ToArray()))
        .Where(static rule => rule.Item2.Length > 0)];

    /// <summary>The configuration section the options are bound from, e.g. <c>Hub</c>.</summary>
    public string Section { get; } = section;

    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<string>? failures = null;
        foreach (var (property, rules) in Rules)
        {
            var value = property.GetValue(options);
            foreach (var rule in rules)
            {
                if (!rule.IsValid(value))
                {
                    (failures ??= []).Add(OptionsFailure.Describe($"{Section}:{property.Name}", value, Requirement(rule, property.Name)));
                }
            }
        }

        return failures is null ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static string Requirement(ValidationAttribute rule, string property) => rule switch
    {
        RangeAttribute range => $"it must be between {Limit(range.Minimum)} and {Limit(range.Maximum)}",
        EnumDataTypeAttribute { EnumType: { IsEnum: true } type } => $"it must be one of {string.Join(", ", Enum.GetNames(type))}",
        RequiredAttribute => "it must be set",
        // Any other rule has only DataAnnotations' sentence to offer.
        _ => rule.FormatErrorMessage(property),
    };

    // Once checked, a range holds its limits converted to the operand type (a TimeSpan, not the text it was given).
    private static string Limit(object limit) => OptionsFailure.Show(limit);
}
