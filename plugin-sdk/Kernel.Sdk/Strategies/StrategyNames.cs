using System.Text.RegularExpressions;

namespace Kernel.Sdk.Strategies;

/// <summary>The rule for strategy and instance names, shared by the SDK's option reader and the kernel's registry.</summary>
internal static partial class StrategyNames
{
    public const string Rule = "lower-case letters, digits and '-', starting with a letter";

    public static bool IsValid(string? name) => name is not null && Pattern().IsMatch(name);

    /// <summary>Parses <c>category/name</c>, or <c>name</c> in <paramref name="implied"/>; null when malformed.</summary>
    public static (StrategyCategory Category, string Name)? Parse(string text, StrategyCategory implied)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var category = implied;
        if (slash >= 0 && !StrategyCategories.TryParse(text[..slash], out category))
        {
            return null;
        }

        var name = slash >= 0 ? text[(slash + 1)..] : text;
        return IsValid(name) ? (category, name) : null;
    }

    [GeneratedRegex("^[a-z][a-z0-9-]*$")]
    private static partial Regex Pattern();
}
