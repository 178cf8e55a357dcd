namespace Kernel.Node.Etcd;

/// <summary>Settings of a member's etcd API (not replicated: each member may differ).</summary>
internal sealed record EtcdApiOptions
{
    /// <summary>How many revisions' events a watcher may have waiting before it is cancelled as too slow. Default 1024.</summary>
    public int WatchBuffer { get; init; } = 1024;

    /// <summary>How often the leader looks for expired leases. Default 500 ms.</summary>
    public TimeSpan LeaseCheckInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How long a watch created with <c>progress_notify</c> may go without events before it is sent a progress
    /// notification (a response with no events whose header revision says how far the watch has seen). Default 10
    /// minutes, etcd's.
    /// </summary>
    public TimeSpan WatchProgressInterval { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The etcd version the member reports (clients check it for features). Default 3.4.0.</summary>
    public string ServerVersion { get; init; } = "3.4.0";

    /// <summary>Throws when a setting is out of range, naming every one that is.</summary>
    public EtcdApiOptions Validate()
    {
        var errors = new List<string>();
        if (WatchBuffer is < 1 or > 1_000_000)
        {
            errors.Add($"WatchBuffer is {WatchBuffer}; allowed 1 to 1000000.");
        }

        if (LeaseCheckInterval <= TimeSpan.Zero || LeaseCheckInterval > TimeSpan.FromMinutes(1))
        {
            errors.Add($"LeaseCheckInterval is {LeaseCheckInterval}; allowed above 0 up to 1 minute.");
        }

        if (WatchProgressInterval < TimeSpan.FromMilliseconds(100) || WatchProgressInterval > TimeSpan.FromDays(1))
        {
            errors.Add($"WatchProgressInterval is {WatchProgressInterval}; allowed 100 ms to 1 day.");
        }

        if (string.IsNullOrWhiteSpace(ServerVersion))
        {
            errors.Add("ServerVersion is empty; give a version such as 3.4.0.");
        }

        return errors.Count == 0 ? this : throw new ArgumentException("Invalid etcd API options: " + string.Join(" ", errors));
    }
}
