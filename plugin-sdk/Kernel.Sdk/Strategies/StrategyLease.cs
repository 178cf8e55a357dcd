namespace Kernel.Sdk.Strategies;

/// <summary>
/// An instance of a strategy and the hold it keeps on the plugin that made it: while the lease is not disposed, the
/// kernel will not unload that plugin (it says who holds it). Disposing is idempotent.
/// </summary>
/// <typeparam name="T">The instance's type.</typeparam>
public sealed class StrategyLease<T> : IDisposable
    where T : class
{
    private Action? _release;

    /// <summary>Creates a lease; <paramref name="release"/> runs once, on the first dispose.</summary>
    public StrategyLease(T value, string key, string pluginId, Action? release)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(pluginId);
        Value = value;
        Key = key;
        PluginId = pluginId;
        _release = release;
    }

    /// <summary>The instance. Do not use it after disposing the lease.</summary>
    public T Value { get; }

    /// <summary>The instance's <c>category/name</c>.</summary>
    public string Key { get; }

    /// <summary>The plugin that registered the strategy the instance was made by.</summary>
    public string PluginId { get; }

    /// <inheritdoc />
    public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();
}
