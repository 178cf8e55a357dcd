namespace Kernel.Node.Etcd.Mvcc;

/// <summary>
/// The kept versions of one key, oldest first: appended at the end, dropped from the front by a compaction. A slot, once
/// written, is never written again (growing and compacting copy into a new array), so a <see cref="View"/> taken on the
/// member's loop stays valid, unchanged, while the loop goes on appending and compacting: a snapshot captures every key
/// in time linear in the number of keys with no copy of any history, and encodes it on another thread.
/// </summary>
/// <typeparam name="T">The version type (immutable).</typeparam>
internal sealed class VersionList<T>
    where T : class
{
    private T[] _items = new T[1];
    private int _start;
    private int _count;

    /// <summary>The number of versions kept.</summary>
    public int Count => _count;

    /// <summary>The version at <paramref name="index"/> (0 is the oldest kept).</summary>
    public T this[int index]
    {
        get
        {
            if ((uint)index >= (uint)_count)
            {
                throw new ArgumentOutOfRangeException(nameof(index), index, $"A history of {_count} versions.");
            }

            return _items[_start + index];
        }
    }

    /// <summary>The newest version (the history is never empty while the store holds it).</summary>
    public T Last => this[_count - 1];

    /// <summary>The versions now, unchanged by later appends and compactions.</summary>
    public ArraySegment<T> View => new(_items, _start, _count);

    /// <summary>Appends the newest version.</summary>
    public void Add(T version)
    {
        if (_start + _count == _items.Length)
        {
            var grown = new T[Math.Max(4, _count * 2)];
            Array.Copy(_items, _start, grown, 0, _count);
            _items = grown;
            _start = 0;
        }

        _items[_start + _count] = version;
        _count++;
    }

    /// <summary>The index of the newest version that matches, or −1.</summary>
    public int FindLastIndex(Func<T, bool> match)
    {
        for (var i = _count - 1; i >= 0; i--)
        {
            if (match(_items[_start + i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Drops the <paramref name="count"/> oldest versions (into a new array: views taken before keep theirs).</summary>
    public void RemoveOldest(int count)
    {
        if (count <= 0)
        {
            return;
        }

        var left = _count - Math.Min(count, _count);
        var kept = new T[Math.Max(1, left)];
        Array.Copy(_items, _start + _count - left, kept, 0, left);
        _items = kept;
        _start = 0;
        _count = left;
    }
}
