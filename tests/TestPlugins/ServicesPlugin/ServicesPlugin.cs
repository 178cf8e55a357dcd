using Kernel.Sdk.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ServicesPlugin;

/// <summary>Adds a <see cref="TimeProvider"/> that is always at the epoch, and depends on the logger factory the kernel offers.</summary>
public sealed class ServicesPlugin : IPlugin
{
    public void Register(IPluginContext context) => context.Services.AddSingleton<TimeProvider, EpochTimeProvider>();
}

/// <summary>A clock stopped at the Unix epoch.</summary>
public sealed class EpochTimeProvider(ILoggerFactory loggers) : TimeProvider, IDisposable
{
    private readonly ILogger _logger = loggers.CreateLogger("ServicesPlugin");

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.UnixEpoch;

    public void Dispose() => _logger.LogInformation("EpochTimeProvider disposed");
}
