using System.Net;
using System.Text;
using System.Text.Json;

namespace Kernel.Node.Tests.Etcd.Gateway;

/// <summary>The JSON gateway at <c>/v3/...</c> over HTTP/1.1, as curl uses it: bytes as base64, etcd's field names.</summary>
public sealed class EtcdGatewayTests : IAsyncLifetime
{
    private EtcdTestServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _server = await EtcdTestServer.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(_server.GatewayUrl), Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Put_then_range_in_base64_with_etcds_field_names()
    {
        using var put = await PostAsync("/v3/kv/put", $$"""{"key":"{{B64("foo")}}","value":"{{B64("bar")}}"}""");
        Assert.Equal("2", put.RootElement.GetProperty("header").GetProperty("revision").GetString());
        Assert.Equal(SingleMemberNodeClient.ClusterId.ToString(System.Globalization.CultureInfo.InvariantCulture), put.RootElement.GetProperty("header").GetProperty("cluster_id").GetString());

        using var range = await PostAsync("/v3/kv/range", $$"""{"key":"{{B64("foo")}}"}""");
        var kv = range.RootElement.GetProperty("kvs")[0];
        Assert.Equal(B64("foo"), kv.GetProperty("key").GetString());
        Assert.Equal(B64("bar"), kv.GetProperty("value").GetString());
        Assert.Equal("2", kv.GetProperty("create_revision").GetString());
        Assert.Equal("1", range.RootElement.GetProperty("count").GetString());

        using var deleted = await PostAsync("/v3/kv/deleterange", $$"""{"key":"{{B64("foo")}}","prev_kv":true}""");
        Assert.Equal("1", deleted.RootElement.GetProperty("deleted").GetString());
        Assert.Equal(B64("bar"), deleted.RootElement.GetProperty("prev_kvs")[0].GetProperty("value").GetString());
    }

    [Fact]
    public async Task The_gateway_also_answers_cleartext_http2_on_the_grpc_port_as_curl_http2_prior_knowledge_speaks_it()
    {
        using var http2 = new HttpClient
        {
            BaseAddress = new Uri(_server.Url),
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var response = await http2.PostAsync("/v3/kv/put", Json($$"""{"key":"{{B64("h2")}}","value":"{{B64("yes")}}"}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        using var range = await PostAsync("/v3/kv/range", $$"""{"key":"{{B64("h2")}}"}""");
        Assert.Equal(B64("yes"), range.RootElement.GetProperty("kvs")[0].GetProperty("value").GetString());
    }

    [Fact]
    public async Task Txn_with_a_compare_in_json()
    {
        var body = $$$"""
            {"compare":[{"key":"{{{B64("k")}}}","result":"EQUAL","target":"VERSION","version":"0"}],
             "success":[{"request_put":{"key":"{{{B64("k")}}}","value":"{{{B64("first")}}}"}}],
             "failure":[{"request_range":{"key":"{{{B64("k")}}}"}}]}
            """;
        using var first = await PostAsync("/v3/kv/txn", body);
        Assert.True(first.RootElement.GetProperty("succeeded").GetBoolean());
        using var second = await PostAsync("/v3/kv/txn", body);
        Assert.False(second.RootElement.TryGetProperty("succeeded", out _));
        var kv = second.RootElement.GetProperty("responses")[0].GetProperty("response_range").GetProperty("kvs")[0];
        Assert.Equal(B64("first"), kv.GetProperty("value").GetString());
    }

    [Fact]
    public async Task Leases_members_and_status()
    {
        using var grant = await PostAsync("/v3/lease/grant", """{"TTL":30}""");
        Assert.Equal("30", grant.RootElement.GetProperty("TTL").GetString());
        var id = grant.RootElement.GetProperty("ID").GetString();
        using var ttl = await PostAsync("/v3/kv/lease/timetolive", $$"""{"ID":"{{id}}"}""");
        Assert.Equal("30", ttl.RootElement.GetProperty("grantedTTL").GetString());
        using var keepAlive = await PostAsync("/v3/lease/keepalive", $$"""{"ID":"{{id}}"}""");
        Assert.Equal("30", keepAlive.RootElement.GetProperty("result").GetProperty("TTL").GetString());
        using var revoke = await PostAsync("/v3/lease/revoke", $$"""{"ID":"{{id}}"}""");
        using var leases = await PostAsync("/v3/lease/leases", "{}");
        Assert.False(leases.RootElement.TryGetProperty("leases", out _));

        using var members = await PostAsync("/v3/cluster/member/list", "");
        Assert.Equal("member-1", members.RootElement.GetProperty("members")[0].GetProperty("name").GetString());
        using var status = await PostAsync("/v3/maintenance/status", "{}");
        Assert.Equal("3.4.0", status.RootElement.GetProperty("version").GetString());
        using var alarms = await PostAsync("/v3/maintenance/alarm", "{}");
        Assert.False(alarms.RootElement.TryGetProperty("alarms", out _));
        using var raise = await _http.PostAsync("/v3/maintenance/alarm", Json("""{"action":"ACTIVATE","alarm":"NOSPACE"}"""));
        Assert.Equal(HttpStatusCode.NotImplemented, raise.StatusCode);
    }

    [Fact]
    public async Task Errors_carry_etcds_message_code_and_http_status()
    {
        await PostAsync("/v3/kv/put", $$"""{"key":"{{B64("a")}}","value":"{{B64("1")}}"}""");
        await PostAsync("/v3/kv/put", $$"""{"key":"{{B64("a")}}","value":"{{B64("2")}}"}""");
        await PostAsync("/v3/kv/compaction", """{"revision":"3"}""");
        using var compacted = await _http.PostAsync("/v3/kv/range", Json($$"""{"key":"{{B64("a")}}","revision":"2"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, compacted.StatusCode);
        using (var error = JsonDocument.Parse(await compacted.Content.ReadAsStringAsync()))
        {
            Assert.Equal("etcdserver: mvcc: required revision has been compacted", error.RootElement.GetProperty("error").GetString());
            Assert.Equal(11, error.RootElement.GetProperty("code").GetInt32());
        }

        using var missing = await _http.PostAsync("/v3/lease/revoke", Json("""{"ID":"12345"}"""));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        using var garbage = await _http.PostAsync("/v3/kv/put", Json("{not json"));
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        Assert.Contains("etcdserverpb.PutRequest", await garbage.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_streams_one_result_per_line()
    {
        await PostAsync("/v3/kv/put", $$"""{"key":"{{B64("w")}}","value":"{{B64("1")}}"}""");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v3/watch")
        {
            Content = Json($$$"""{"create_request":{"key":"{{{B64("w")}}}","start_revision":"2"}}"""),
        };
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        using var created = JsonDocument.Parse((await reader.ReadLineAsync())!);
        Assert.True(created.RootElement.GetProperty("result").GetProperty("created").GetBoolean());
        using var replayed = JsonDocument.Parse((await reader.ReadLineAsync())!);
        Assert.Equal(B64("1"), replayed.RootElement.GetProperty("result").GetProperty("events")[0].GetProperty("kv").GetProperty("value").GetString());
        await PostAsync("/v3/kv/put", $$"""{"key":"{{B64("w")}}","value":"{{B64("2")}}"}""");
        using var live = JsonDocument.Parse((await reader.ReadLineAsync())!);
        Assert.Equal(B64("2"), live.RootElement.GetProperty("result").GetProperty("events")[0].GetProperty("kv").GetProperty("value").GetString());
    }

    private async Task<JsonDocument> PostAsync(string path, string body)
    {
        using var response = await _http.PostAsync(path, Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
}
