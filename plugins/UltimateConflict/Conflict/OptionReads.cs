using Kernel.Sdk.Strategies;

namespace UltimateConflict.Conflict;

/// <summary>Option reads the strategies of this folder share, on top of <see cref="OptionReader"/>.</summary>
internal static class OptionReads
{
    /// <summary>
    /// Reads a reference that must be present when <paramref name="required"/>: absent is then a problem saying
    /// <paramref name="what"/> it names (one problem only when the value is present but malformed, which the reader has
    /// reported).
    /// </summary>
    public static StrategyReference? RequiredReference(this OptionReader reader, string name, StrategyCategory category, string what, bool required)
    {
        var before = reader.Errors.Count;
        var reference = reader.Reference(name, category);
        if (required && reference is null && reader.Errors.Count == before)
        {
            reader.Fail($"Option '{name}' is required: {what}, written {category.ToName()}/NAME.");
        }

        return reference;
    }

    /// <summary>
    /// True when an entry has options. The kernel enables every registered strategy, unlisted ones with no options, so
    /// a strategy with a required option accepts its own entry unconfigured (it cannot make a resolver until configured:
    /// <c>Create</c> reports the missing option) and requires the option of every configured entry.
    /// </summary>
    public static bool IsConfigured(Microsoft.Extensions.Configuration.IConfiguration options) => options.GetChildren().Any();
}
