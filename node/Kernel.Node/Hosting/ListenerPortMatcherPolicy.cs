using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Matching;

namespace Kernel.Node.Hosting;

/// <summary>The local ports an endpoint answers on (a member's peer listener, or its client listeners).</summary>
/// <param name="Ports">The ports.</param>
internal sealed record ListenerPorts(int[] Ports);

/// <summary>
/// Routing by listener: an endpoint with <see cref="ListenerPorts"/> matches only requests that arrived on one of them, so
/// the peer service and a client route at the same path live side by side, and a client's Host header (which need not
/// name the port it connected to) plays no part.
/// </summary>
internal sealed class ListenerPortMatcherPolicy : MatcherPolicy, IEndpointSelectorPolicy
{
    public override int Order => 0;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints) =>
        endpoints.Any(e => e.Metadata.GetMetadata<ListenerPorts>() is not null);

    public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
    {
        var port = httpContext.Connection.LocalPort;
        for (var i = 0; i < candidates.Count; i++)
        {
            if (candidates[i].Endpoint.Metadata.GetMetadata<ListenerPorts>() is { } ports && Array.IndexOf(ports.Ports, port) < 0)
            {
                candidates.SetValidity(i, false);
            }
        }

        return Task.CompletedTask;
    }
}
