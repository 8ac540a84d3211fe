using System.ComponentModel.DataAnnotations;

namespace Funnel.App.Extensions;

/// <summary>
/// A signing or hashing key: at least <see cref="MinLength"/> characters and not a placeholder the world can read
/// (local.settings.sample.json's "replace-with-…" text, or the like), so a copied sample never starts with known keys.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class SecretKeyAttribute : ValidationAttribute
{
    public const int MinLength = 32;

    private static readonly string[] Placeholders = ["replace-with", "change-me", "changeme", "your-key", "placeholder"];

    public static bool IsPlaceholder(string key) => Placeholders.Any(p => key.Contains(p, StringComparison.OrdinalIgnoreCase));

    /// <summary>The rule itself, for keys that are only sometimes required (Auth:SigningKey, not with Entra ID).</summary>
    public static bool IsAcceptable(string key) => key.Length >= MinLength && !IsPlaceholder(key);

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        var key = value as string ?? "";
        var name = validationContext.MemberName ?? validationContext.DisplayName;
        if (key.Length < MinLength) return new ValidationResult($"{name} must be at least {MinLength} characters (./run.sh writes random ones into local.settings.json).", [name]);
        if (IsPlaceholder(key)) return new ValidationResult($"{name} is the sample's placeholder, which anyone can read: set a random key of {MinLength}+ characters (./run.sh writes one).", [name]);
        return ValidationResult.Success;
    }
}
