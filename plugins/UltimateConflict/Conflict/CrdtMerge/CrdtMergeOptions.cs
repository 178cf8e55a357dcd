using Kernel.Sdk.Strategies;

namespace UltimateConflict.Conflict.CrdtMerge;

/// <summary>The options of <c>conflict/crdt-merge</c>, read once from an entry's <c>options</c> object.</summary>
public sealed class CrdtMergeOptions
{
    /// <summary>
    /// Option <c>type</c> (required): the CRDT type the values are encoded states of, written <c>crdt/NAME</c> (a
    /// registered <c>crdt/...</c> strategy or named instance, whichever plugin has it; the kernel checks it exists).
    /// Every configured entry needs it; the strategy's own entry without any options is accepted (the kernel enables
    /// every registered strategy) but makes no resolver until configured.
    /// </summary>
    public StrategyReference? Type { get; init; }

    /// <summary>
    /// Option <c>malformed</c> (<c>fail</c> or <c>skip</c>): what to do with a value that is not a state of the type.
    /// <c>fail</c> (the default) throws <see cref="InvalidDataException"/> naming the key and the version; <c>skip</c>
    /// leaves the version out of the merge and records it in the explanation.
    /// </summary>
    public bool SkipMalformed { get; init; }

    /// <summary>Reads the options (problems are collected in the reader, each naming the option and what is allowed).</summary>
    public static CrdtMergeOptions Read(OptionReader reader) => Read(reader, required: true);

    /// <summary>Reads the options; <c>type</c> is a problem when absent only if <paramref name="required"/>.</summary>
    internal static CrdtMergeOptions Read(OptionReader reader, bool required)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var type = reader.RequiredReference("type", StrategyCategory.Crdt, "the CRDT type of the values", required);
        var malformed = reader.OneOf("malformed", "fail", "fail", "skip");
        return new CrdtMergeOptions { Type = type, SkipMalformed = malformed == "skip" };
    }
}
