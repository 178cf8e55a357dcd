using Google.Protobuf;
using Google.Protobuf.Reflection;

using Grpc.Core;

using Kernel.Node.Etcd.Api;
using Kernel.Node.Etcd.Protos;

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Kernel.Node.Etcd.Gateway;

/// <summary>
/// etcd's JSON gateway: <c>POST /v3/...</c> with the request message as protobuf JSON (bytes fields base64, 64-bit
/// integers as strings or numbers) and the response the same way, field names as in the .proto (as etcd's grpc-gateway
/// writes them). Errors answer <c>{"error", "code", "message"}</c> with the HTTP status grpc-gateway maps the gRPC code
/// to. The streams (<c>/v3/watch</c>, <c>/v3/lease/keepalive</c>) write one <c>{"result": ...}</c> object per line.
/// </summary>
internal static class EtcdGateway
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithPreserveProtoFieldNames(true));

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        Unary<RangeRequest, RangeResponse>(endpoints, (api, r, ct) => api.RangeAsync(r, ct), "/v3/kv/range");
        Unary<PutRequest, PutResponse>(endpoints, (api, r, ct) => api.PutAsync(r, ct), "/v3/kv/put");
        Unary<DeleteRangeRequest, DeleteRangeResponse>(endpoints, (api, r, ct) => api.DeleteRangeAsync(r, ct), "/v3/kv/deleterange");
        Unary<TxnRequest, TxnResponse>(endpoints, (api, r, ct) => api.TxnAsync(r, ct), "/v3/kv/txn");
        Unary<CompactionRequest, CompactionResponse>(endpoints, (api, r, ct) => api.CompactAsync(r, ct), "/v3/kv/compaction");
        Unary<LeaseGrantRequest, LeaseGrantResponse>(endpoints, (api, r, ct) => api.LeaseGrantAsync(r, ct), "/v3/lease/grant");
        Unary<LeaseRevokeRequest, LeaseRevokeResponse>(endpoints, (api, r, ct) => api.LeaseRevokeAsync(r, ct), "/v3/lease/revoke", "/v3/kv/lease/revoke");
        Unary<LeaseTimeToLiveRequest, LeaseTimeToLiveResponse>(endpoints, (api, r, ct) => api.LeaseTimeToLiveAsync(r, ct), "/v3/lease/timetolive", "/v3/kv/lease/timetolive");
        Unary<LeaseLeasesRequest, LeaseLeasesResponse>(endpoints, (api, r, ct) => api.LeaseLeasesAsync(r, ct), "/v3/lease/leases", "/v3/kv/lease/leases");
        Unary<MemberListRequest, MemberListResponse>(endpoints, (api, r, ct) => api.MemberListAsync(r, ct), "/v3/cluster/member/list");
        Unary<StatusRequest, StatusResponse>(endpoints, (api, r, ct) => api.StatusAsync(r, ct), "/v3/maintenance/status");
        Unary<AlarmRequest, AlarmResponse>(endpoints, (api, r, ct) => api.AlarmAsync(r, ct), "/v3/maintenance/alarm");
        Unary<DefragmentRequest, DefragmentResponse>(endpoints, (api, r, ct) => api.DefragmentAsync(r, ct), "/v3/maintenance/defragment");
        endpoints.MapPost("/v3/lease/keepalive", KeepAliveAsync);
        endpoints.MapPost("/v3/watch", WatchAsync);
    }

    private static void Unary<TRequest, TResponse>(
        IEndpointRouteBuilder endpoints,
        Func<EtcdApi, TRequest, CancellationToken, Task<TResponse>> call,
        params string[] paths)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : IMessage
    {
        var descriptor = new TRequest().Descriptor;
        foreach (var path in paths)
        {
            endpoints.MapPost(path, async (HttpContext http) =>
            {
                var api = http.RequestServices.GetRequiredService<EtcdApi>();
                if (await ReadAsync(http, descriptor).ConfigureAwait(false) is not TRequest request)
                {
                    return;
                }

                try
                {
                    var response = await call(api, request, http.RequestAborted).ConfigureAwait(false);
                    await WriteAsync(http, StatusCodes.Status200OK, Formatter.Format(response)).ConfigureAwait(false);
                }
                catch (RpcException e)
                {
                    await ErrorAsync(http, e.StatusCode, e.Status.Detail).ConfigureAwait(false);
                }
            });
        }
    }

    private static async Task KeepAliveAsync(HttpContext http)
    {
        var api = http.RequestServices.GetRequiredService<EtcdApi>();
        if (await ReadAsync(http, LeaseKeepAliveRequest.Descriptor).ConfigureAwait(false) is not LeaseKeepAliveRequest request)
        {
            return;
        }

        try
        {
            var response = await api.KeepAliveAsync(request, http.RequestAborted).ConfigureAwait(false);
            await WriteAsync(http, StatusCodes.Status200OK, Result(response)).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            await ErrorAsync(http, e.StatusCode, e.Status.Detail).ConfigureAwait(false);
        }
    }

    private static async Task WatchAsync(HttpContext http)
    {
        var api = http.RequestServices.GetRequiredService<EtcdApi>();
        if (await ReadAsync(http, WatchRequest.Descriptor).ConfigureAwait(false) is not WatchRequest request)
        {
            return;
        }

        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/json";
        await WatchSession.RunAsync(api, One(request), async response =>
        {
            await http.Response.WriteAsync(Result(response) + "\n", http.RequestAborted).ConfigureAwait(false);
            await http.Response.Body.FlushAsync(http.RequestAborted).ConfigureAwait(false);
        }, http.RequestAborted).ConfigureAwait(false);
    }

#pragma warning disable CS1998 // One request, no awaiting: the stream's requests as an async sequence.
    private static async IAsyncEnumerable<WatchRequest> One(WatchRequest request)
#pragma warning restore CS1998
    {
        yield return request;
    }

    private static string Result(IMessage response) => "{\"result\":" + Formatter.Format(response) + "}";

    private static async Task<IMessage?> ReadAsync(HttpContext http, MessageDescriptor descriptor)
    {
        using var reader = new StreamReader(http.Request.Body);
        var body = await reader.ReadToEndAsync(http.RequestAborted).ConfigureAwait(false);
        try
        {
            return Parser.Parse(string.IsNullOrWhiteSpace(body) ? "{}" : body, descriptor);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidJsonException or FormatException)
        {
            await ErrorAsync(http, StatusCode.InvalidArgument, $"the body is not a {descriptor.FullName} in JSON: {e.Message}").ConfigureAwait(false);
            return null;
        }
    }

    private static Task ErrorAsync(HttpContext http, StatusCode code, string message)
    {
        var text = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object> { ["error"] = message, ["code"] = (int)code, ["message"] = message });
        return WriteAsync(http, HttpStatus(code), text);
    }

    private static Task WriteAsync(HttpContext http, int status, string json)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        return http.Response.WriteAsync(json, http.RequestAborted);
    }

    // grpc-gateway's HTTPStatusFromCode.
    private static int HttpStatus(StatusCode code) => code switch
    {
        StatusCode.OK => 200,
        StatusCode.Cancelled => 408,
        StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.OutOfRange => 400,
        StatusCode.DeadlineExceeded => 504,
        StatusCode.NotFound => 404,
        StatusCode.AlreadyExists or StatusCode.Aborted => 409,
        StatusCode.PermissionDenied => 403,
        StatusCode.Unauthenticated => 401,
        StatusCode.ResourceExhausted => 429,
        StatusCode.Unimplemented => 501,
        StatusCode.Unavailable => 503,
        _ => 500,
    };
}
