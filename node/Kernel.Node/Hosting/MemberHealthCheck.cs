using Kernel.Node.Runtime;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Kernel.Node.Hosting;

/// <summary>
/// A member's health (<c>/health</c> and <c>/readyz</c> on its client listener): healthy when its loop runs (storage
/// writable, no failure) and it knows a leader (so a quorum was reachable within an election timeout).
/// </summary>
internal sealed class MemberHealthCheck(NodeRuntime runtime) : IHealthCheck
{
    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = runtime.Status;
        var data = new Dictionary<string, object>
        {
            ["member"] = runtime.Member.Name,
            ["term"] = status.Term,
            ["leader"] = status.LeaderId.ToString("x16", System.Globalization.CultureInfo.InvariantCulture),
            ["applied"] = status.AppliedIndex,
        };
        var result = runtime.Failure is { } failure
            ? HealthCheckResult.Unhealthy("the member stopped: " + failure, data: data)
            : status.LeaderId == 0
                ? HealthCheckResult.Unhealthy("no leader", data: data)
                : HealthCheckResult.Healthy("leader known", data);
        return Task.FromResult(result);
    }
}
