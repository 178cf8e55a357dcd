using System.Diagnostics;
using System.Diagnostics.Metrics;

using Grpc.Core;
using Grpc.Core.Interceptors;

using Kernel.Node.Runtime;

namespace Kernel.Node.Hosting;

/// <summary>
/// Times every unary gRPC call a member serves (etcd's KV, Lease, Cluster and Maintenance methods) on
/// <c>kernel.node.client.request.duration</c>, tagged with the member, the method (<c>/etcdserverpb.KV/Put</c>) and the
/// status code, as etcd's <c>grpc_server_handling_seconds</c>.
/// </summary>
internal sealed class RequestMetricsInterceptor : Interceptor, IDisposable
{
    private readonly Meter _meter = new(NodeMetrics.MeterName);
    private readonly Histogram<double> _duration;
    private readonly string _member;

    public RequestMetricsInterceptor(MemberName member)
    {
        _member = member.Name;
        _duration = _meter.CreateHistogram<double>("kernel.node.client.request.duration", "s", "Client requests the member served, by gRPC method and status code.");
    }

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var started = Stopwatch.GetTimestamp();
        var code = StatusCode.OK;
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            code = ex.StatusCode;
            throw;
        }
        catch
        {
            code = StatusCode.Unknown;
            throw;
        }
        finally
        {
            _duration.Record(
                Stopwatch.GetElapsedTime(started).TotalSeconds,
                new KeyValuePair<string, object?>("member", _member),
                new KeyValuePair<string, object?>("method", context.Method),
                new KeyValuePair<string, object?>("code", code.ToString()));
        }
    }

    public void Dispose() => _meter.Dispose();
}

/// <summary>The member's name, for services that tag what they record with it.</summary>
internal sealed record MemberName(string Name);
