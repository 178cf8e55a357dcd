namespace UltimateResilience.Common;

/// <summary>
/// A few reusable objects without a lock: <see cref="Rent"/> takes one (or makes one when none is free),
/// <see cref="Return"/> keeps it when a slot is free. One slot is tried first, then the others, each taken or filled with one
/// compare-and-swap; so an uncontended call costs two atomic operations, and under contention an object may be made or
/// dropped rather than waited for. What a strategy reuses per call on its success path (deadline boxes, cancellation sources).
/// </summary>
internal sealed class Pool<T>(Func<T> create)
    where T : class
{
    private readonly T?[] _slots = new T?[Math.Max(4, Environment.ProcessorCount * 2)];
    private T? _first;

    public T Rent()
    {
        var item = _first;
        if (item is not null && Interlocked.CompareExchange(ref _first, null, item) == item)
        {
            return item;
        }

        for (var i = 0; i < _slots.Length; i++)
        {
            item = _slots[i];
            if (item is not null && Interlocked.CompareExchange(ref _slots[i], null, item) == item)
            {
                return item;
            }
        }

        return create();
    }

    /// <summary>Keeps <paramref name="item"/> for a later <see cref="Rent"/>; false when every slot is taken (the caller drops it).</summary>
    public bool Return(T item)
    {
        if (_first is null && Interlocked.CompareExchange(ref _first, item, null) is null)
        {
            return true;
        }

        for (var i = 0; i < _slots.Length; i++)
        {
            if (_slots[i] is null && Interlocked.CompareExchange(ref _slots[i], item, null) is null)
            {
                return true;
            }
        }

        return false;
    }
}
