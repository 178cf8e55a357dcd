namespace Kernel.Node.Etcd.Leases;

/// <summary>
/// When each lease expires, by this member's clock. Not replicated state: the store tells it what the log granted,
/// renewed and revoked (as it applies them), and each member keeps its own deadlines; only the leader acts on them, by
/// proposing a revoke through the log (<see cref="LeaseExpiry"/>). A member that becomes leader first extends every
/// deadline by its full TTL, as etcd's lessor does on promotion, so a lease is never expired early by a change of leader.
/// </summary>
internal sealed class LeaseClock(TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<long, (long Ttl, DateTimeOffset Deadline)> _leases = [];

    /// <summary>The clock the deadlines are read from.</summary>
    public TimeProvider Time { get; } = time;

    /// <summary>A lease was granted or renewed: it now lives <paramref name="ttlSeconds"/> from now.</summary>
    public void Renewed(long id, long ttlSeconds)
    {
        lock (_lock)
        {
            _leases[id] = (ttlSeconds, Time.GetUtcNow().AddSeconds(ttlSeconds));
        }
    }

    /// <summary>A lease was revoked (or expired through the log).</summary>
    public void Revoked(long id)
    {
        lock (_lock)
        {
            _leases.Remove(id);
        }
    }

    /// <summary>The store was replaced by a snapshot: these are its leases, each given its full TTL from now.</summary>
    public void Reset(IEnumerable<(long Id, long TtlSeconds)> leases)
    {
        lock (_lock)
        {
            _leases.Clear();
            var now = Time.GetUtcNow();
            foreach (var (id, ttl) in leases)
            {
                _leases[id] = (ttl, now.AddSeconds(ttl));
            }
        }
    }

    /// <summary>Gives every lease its full TTL from now (this member just became leader).</summary>
    public void ExtendAll()
    {
        lock (_lock)
        {
            var now = Time.GetUtcNow();
            foreach (var id in _leases.Keys.ToList())
            {
                var ttl = _leases[id].Ttl;
                _leases[id] = (ttl, now.AddSeconds(ttl));
            }
        }
    }

    /// <summary>The leases whose deadline has passed, in id order.</summary>
    public IReadOnlyList<long> Expired()
    {
        lock (_lock)
        {
            var now = Time.GetUtcNow();
            return _leases.Where(l => l.Value.Deadline <= now).Select(l => l.Key).Order().ToList();
        }
    }

    /// <summary>The whole seconds a lease has left (rounded up, as etcd reports them), or null when unknown.</summary>
    public long? RemainingSeconds(long id)
    {
        lock (_lock)
        {
            if (!_leases.TryGetValue(id, out var lease))
            {
                return null;
            }

            var left = lease.Deadline - Time.GetUtcNow();
            return left <= TimeSpan.Zero ? 0 : (long)Math.Ceiling(left.TotalSeconds);
        }
    }
}
