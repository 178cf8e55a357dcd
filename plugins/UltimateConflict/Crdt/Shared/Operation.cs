using System.Globalization;

namespace UltimateConflict.Crdt.Shared;

/// <summary>Parses the text operations of <see cref="Kernel.Sdk.Crdt.ICrdtType.Update"/>: a verb, then arguments separated by one space.</summary>
internal static class Operation
{
    /// <summary>Splits <c>verb rest</c>; <paramref name="rest"/> is empty when there is no argument.</summary>
    public static string Verb(string operation, out string rest)
    {
        var space = operation.IndexOf(' ', StringComparison.Ordinal);
        if (space < 0)
        {
            rest = string.Empty;
            return operation;
        }

        rest = operation[(space + 1)..];
        return operation[..space];
    }

    /// <summary>Parses a positive amount; an absent one is 1.</summary>
    public static bool TryAmount(string text, out long amount)
    {
        if (text.Length == 0)
        {
            amount = 1;
            return true;
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out amount) && amount > 0;
    }

    /// <summary>Parses a non-negative time in milliseconds (an input to the hybrid logical clock).</summary>
    public static bool TryTime(string text, out long millis) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out millis) && millis >= 0;

    /// <summary>Parses <c>prune R</c>: R a removed replica's id (a positive integer).</summary>
    public static bool TryPrune(string operation, out Kernel.Sdk.Cluster.NodeId removed)
    {
        removed = default;
        if (Verb(operation, out var rest) != "prune" || !int.TryParse(rest, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 0)
        {
            return false;
        }

        removed = new Kernel.Sdk.Cluster.NodeId(id);
        return true;
    }

    /// <summary>How the accepted operations name <c>prune R</c>.</summary>
    public const string Prune = "prune R (R a removed replica's id)";

    /// <summary>The error for an operation a type does not accept, naming the ones it does.</summary>
    public static FormatException Unknown(string type, string operation, string accepted) =>
        new($"crdt/{type} operation '{operation}' is not known; operations: {accepted}.");
}
