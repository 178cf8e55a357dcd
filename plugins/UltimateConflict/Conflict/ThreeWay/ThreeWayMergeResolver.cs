using System.Text;
using Kernel.Sdk.Conflict;

namespace UltimateConflict.Conflict.ThreeWay;

/// <summary>
/// Merges two versions over their common ancestor (diff3 over lines, or over a JSON object's fields). The left side is
/// the version first in canonical order (lower replica id), so every replica merges the same way round. The merged
/// version is attributed to the latest writer, with the latest timestamp and the merged clock.
/// </summary>
internal sealed class ThreeWayMergeResolver(string instance, ThreeWayMergeOptions options, string fallbackKey, IConflictResolver fallback)
    : IConflictResolver
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    public Resolution Resolve(Kernel.Sdk.Conflict.Conflict conflict)
    {
        ArgumentNullException.ThrowIfNull(conflict);
        var distinct = Versions.Distinct(conflict.Versions);
        if (distinct.Length == 1)
        {
            return Resolution.Winner(distinct[0], $"conflict/{instance}: one distinct version {Versions.Format(distinct[0])}");
        }

        if (distinct.Length > 2)
        {
            return Fallback(conflict, $"{distinct.Length} distinct versions (three-way merge takes two and their ancestor)");
        }

        if (conflict.Ancestor is not { } ancestor)
        {
            return Fallback(conflict, "no common ancestor");
        }

        VersionedValue left = distinct[0], right = distinct[1];
        string leftLabel = Versions.Label(left), rightLabel = Versions.Label(right), baseLabel = "ancestor " + Versions.Label(ancestor);
        byte[] merged;
        int conflicts;
        string detail;
        if (options.Mode == ThreeWayMode.Lines)
        {
            if (Text(left) is not { } l || Text(ancestor) is not { } o || Text(right) is not { } r)
            {
                return Fallback(conflict, "a value is not UTF-8 text");
            }

            if (new[] { l, o, r }.Max(t => Diff3.Lines(t).Length) > options.MaxLines)
            {
                return Fallback(conflict, $"a value has more than maxLines {options.MaxLines} lines");
            }

            var result = Diff3.Merge(l, o, r, leftLabel, baseLabel, rightLabel);
            merged = Encoding.UTF8.GetBytes(result.Text);
            conflicts = result.Conflicts;
            detail = $"lines: {result.Chunks.Count(c => c.Kind == ChunkKind.Left)} chunks from {leftLabel}, "
                + $"{result.Chunks.Count(c => c.Kind == ChunkKind.Right)} from {rightLabel}, "
                + $"{result.Chunks.Count(c => c.Kind == ChunkKind.Same)} changed alike";
        }
        else
        {
            if (JsonFields.Parse(left.Value) is not { } l || JsonFields.Parse(ancestor.Value) is not { } o || JsonFields.Parse(right.Value) is not { } r)
            {
                return Fallback(conflict, "a value is not a JSON object with unique field names");
            }

            var result = FieldMerge.Merge(l, o, r, leftLabel, baseLabel, rightLabel);
            merged = result.Value;
            conflicts = result.Conflicts;
            detail = $"fields: [{string.Join(", ", result.TakenLeft)}] from {leftLabel}, [{string.Join(", ", result.TakenRight)}] from {rightLabel}, "
                + $"[{string.Join(", ", result.Alike)}] changed alike";
        }

        var over = $"{leftLabel} and {rightLabel} over {baseLabel}";
        if (conflicts > 0 && options.OnConflict == ThreeWayConflictAction.Siblings)
        {
            return Resolution.Siblings(distinct, $"conflict/{instance}: {conflicts} true conflicts merging {over}; kept as siblings: {Versions.FormatAll(distinct)}");
        }

        if (conflicts > 0 && options.OnConflict == ThreeWayConflictAction.Fallback)
        {
            return Fallback(conflict, $"{conflicts} true conflicts merging {over}");
        }

        var version = Versions.Merged(distinct, WinnerOrder.Latest.Rank(distinct)[0], merged);
        var marked = conflicts > 0 ? $", {conflicts} true conflicts between markers" : ", no true conflict";
        return Resolution.Winner(version, $"conflict/{instance} merged {over} by {detail}{marked}: {Versions.Format(version)}; from {Versions.FormatAll(distinct)}");
    }

    private static string? Text(VersionedValue version)
    {
        try
        {
            return StrictUtf8.GetString(version.Value.Span);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    private Resolution Fallback(Kernel.Sdk.Conflict.Conflict conflict, string why)
    {
        var inner = fallback.Resolve(conflict);
        return Resolution.Siblings(inner.Kept, $"conflict/{instance}: {why}; fell back to {fallbackKey}: {inner.Explanation}");
    }
}
