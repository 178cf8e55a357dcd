using System.Text;

using Google.Protobuf;

namespace Kernel.Node.Etcd.Mvcc;

/// <summary>
/// etcd's key ranges: a key alone, <c>[key, range_end)</c>, or every key from <c>key</c> on when <c>range_end</c> is
/// <c>"\0"</c>. Keys are held as Latin-1 strings (one char per byte), so ordinal string order is etcd's byte order.
/// </summary>
internal readonly record struct KeyRange(string From, string? End, bool Single)
{
    /// <summary>The range a request's key and range_end name.</summary>
    public static KeyRange Of(ByteString key, ByteString rangeEnd)
    {
        var from = ToKey(key);
        if (rangeEnd.IsEmpty)
        {
            return new KeyRange(from, null, Single: true);
        }

        return rangeEnd.Length == 1 && rangeEnd[0] == 0
            ? new KeyRange(from, null, Single: false)
            : new KeyRange(from, ToKey(rangeEnd), Single: false);
    }

    /// <summary>True when <paramref name="key"/> falls in the range.</summary>
    public bool Contains(string key) => Single
        ? string.Equals(key, From, StringComparison.Ordinal)
        : string.CompareOrdinal(key, From) >= 0 && (End is null || string.CompareOrdinal(key, End) < 0);

    /// <summary>The keys of <paramref name="keys"/> in the range, in order.</summary>
    public IEnumerable<string> Select(SortedSet<string> keys)
    {
        if (Single)
        {
            if (keys.Contains(From))
            {
                yield return From;
            }

            yield break;
        }

        if (keys.Count == 0 || string.CompareOrdinal(From, keys.Max) > 0)
        {
            yield break;
        }

        foreach (var key in keys.GetViewBetween(From, keys.Max!))
        {
            if (End is not null && string.CompareOrdinal(key, End) >= 0)
            {
                yield break;
            }

            yield return key;
        }
    }

    /// <summary>A key's bytes as the store's string form.</summary>
    public static string ToKey(ByteString key) => Encoding.Latin1.GetString(key.Span);

    /// <summary>A key's string form back to bytes.</summary>
    public static ByteString ToBytes(string key) => ByteString.CopyFrom(Encoding.Latin1.GetBytes(key));
}
