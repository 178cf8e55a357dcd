namespace UltimateReplication.Shared;

/// <summary>Helpers on values as a model gives them.</summary>
internal static class Values
{
    /// <summary>True when both are absent, or both present with the same bytes.</summary>
    public static bool Same(ReadOnlyMemory<byte>? a, ReadOnlyMemory<byte>? b) =>
        a is null || b is null ? a is null && b is null : a.Value.Span.SequenceEqual(b.Value.Span);
}
