namespace UltimateConflict.Crdt.Shared;

/// <summary>Lookups in arrays kept sorted by an ordinal string key (the sets' elements, the maps' keys).</summary>
internal static class Sorted
{
    /// <summary>The index of the item whose key is <paramref name="key"/>, or -1.</summary>
    public static int IndexOf<T>(ReadOnlySpan<T> items, string key, Func<T, string> keyOf)
    {
        int lo = 0, hi = items.Length - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var cmp = string.CompareOrdinal(keyOf(items[mid]), key);
            if (cmp == 0)
            {
                return mid;
            }

            if (cmp < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return -1;
    }
}
