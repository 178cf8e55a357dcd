using Kernel.Sdk.Strategies;

namespace UltimateConflict.Conflict;

/// <summary>Option reads the strategies of this folder share, on top of <see cref="OptionReader"/>.</summary>
internal static class OptionReads
{
    /// <summary>
    /// Reads a reference that must be present: absent is a problem saying <paramref name="what"/> it names (one problem
    /// only when the value is present but malformed, which the reader has reported).
    /// </summary>
    public static StrategyReference? RequiredReference(this OptionReader reader, string name, StrategyCategory category, string what)
    {
        var before = reader.Errors.Count;
        var reference = reader.Reference(name, category);
        if (reference is null && reader.Errors.Count == before)
        {
            reader.Fail($"Option '{name}' is required: {what}, written {category.ToName()}/NAME.");
        }

        return reference;
    }
}
