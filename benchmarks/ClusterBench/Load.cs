using System.Diagnostics;
using System.Globalization;
using System.Text;

using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

using Kernel.Node.Etcd.Protos;

namespace ClusterBench;

/// <summary>One cell's figures.</summary>
internal sealed record CellResult(
    string Target, Workload Workload, int ValueSize, int Clients, long Operations, double Seconds, double P50Ms, double P99Ms,
    long Errors, string? FirstError, string Check, bool Lost, double CpuSeconds, Counters Counters)
{
    public double Throughput => Operations / Seconds;

    /// <summary>CPU time of the target's three member processes over the measured window, per operation measured.</summary>
    public double CpuMicrosPerOperation => Operations == 0 ? double.NaN : CpuSeconds * 1e6 / Operations;
}

/// <summary>
/// What the members' /metrics counted over a cell's measured window, summed over the members (the commit index: its
/// largest advance): WAL fsyncs, peer messages and peer bytes sent, entries committed. NaN where the target has no such
/// metric or nothing was committed.
/// </summary>
internal sealed record Counters(double Fsyncs, double Messages, double Bytes, double Committed)
{
    public static Counters None { get; } = new(double.NaN, double.NaN, double.NaN, double.NaN);

    public double FsyncsPerCommit => Committed > 0 ? Fsyncs / Committed : double.NaN;

    public double MessagesPerCommit => Committed > 0 ? Messages / Committed : double.NaN;

    public double BytesPerCommit => Committed > 0 ? Bytes / Committed : double.NaN;
}

/// <summary>
/// The load generator: <c>--conns</c> HTTP/2 channels spread round-robin over a target's members (as etcd's benchmark
/// tool spreads its connections over its endpoints), K closed-loop clients shared among them, keys of 256 bytes.
/// Latencies of the requests that start after the warm-up and end before the cell's end are kept exactly (one long
/// per request) and sorted for the percentiles.
/// </summary>
internal sealed class Load : IDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);
    private readonly Target _target;
    private readonly Settings _settings;
    private readonly GrpcChannel[] _channels;
    private readonly HashSet<int> _preloaded = [];

    public Load(Target target, Settings settings)
    {
        _target = target;
        _settings = settings;
        _channels = Enumerable.Range(0, settings.Connections).Select(i => GrpcChannel.ForAddress(target.ClientUrls[i % target.ClientUrls.Length], new GrpcChannelOptions
        {
            MaxReceiveMessageSize = 64 << 20,
            ThrowOperationCanceledOnCancellation = true,
            HttpHandler = new SocketsHttpHandler
            {
                // One connection per channel unless the server's stream limit is reached (Kestrel's default is 100
                // streams a connection; etcd's is unbounded): then more, so that no client waits for a free stream.
                EnableMultipleHttp2Connections = true,
                PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
                KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            },
        })).ToArray();
    }

    public void Dispose()
    {
        _http.Dispose();
        foreach (var c in _channels)
        {
            c.Dispose();
        }
    }

    /// <summary>Waits until a put and a linearizable range succeed through every member (a leader is elected and reachable).</summary>
    public async Task WaitReadyAsync(TimeSpan within, CancellationToken ct)
    {
        var until = DateTime.UtcNow + within;
        string last = "no answer";
        foreach (var url in _target.ClientUrls)
        {
            using var channel = GrpcChannel.ForAddress(url, new GrpcChannelOptions { ThrowOperationCanceledOnCancellation = true });
            var kv = new KV.KVClient(channel);
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                if (_target.Processes.FirstOrDefault(p => p.HasExited) is { } dead)
                {
                    throw new InvalidOperationException($"{_target.Spec.Name}: a member exited while starting ({dead.Log}):\n{_target.Logs()}");
                }

                try
                {
                    var key = ByteString.CopyFromUtf8("clusterbench/ready");
                    await kv.PutAsync(new PutRequest { Key = key, Value = ByteString.CopyFromUtf8(url) }, deadline: DateTime.UtcNow.AddSeconds(3), cancellationToken: ct);
                    // A replication mode other than sync-quorum refuses linearizable reads by design; its readiness is a serializable read.
                    var serializable = _target.Spec.Name.Contains("replication/", StringComparison.Ordinal);
                    await kv.RangeAsync(new RangeRequest { Key = key, Serializable = serializable }, deadline: DateTime.UtcNow.AddSeconds(3), cancellationToken: ct);
                    break;
                }
                catch (Exception e) when (e is RpcException or OperationCanceledException && !ct.IsCancellationRequested)
                {
                    last = e is RpcException r ? r.Status.Detail : "DeadlineExceeded: " + e.Message;
                }

                if (DateTime.UtcNow > until)
                {
                    throw new InvalidOperationException($"{_target.Spec.Name}: {url} not serving within {within.TotalSeconds} s (last: {last}):\n{_target.Logs()}");
                }

                await Task.Delay(250, ct);
            }
        }
    }

    /// <summary>Runs a closed-loop load of 64 clients for <paramref name="duration"/>, nothing measured: puts, the
    /// 90/10 mix and serializable ranges, a third of the time each, with the first value size.</summary>
    public async Task WarmUpAsync(TimeSpan duration, CancellationToken ct)
    {
        if (duration <= TimeSpan.Zero)
        {
            return;
        }

        var size = _settings.ValueSizes[0];
        await PreloadAsync(size, ct);
        foreach (var workload in new[] { Workload.Put, Workload.Mix, Workload.RangeSerializable })
        {
            var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds / 3 * Stopwatch.Frequency);
            var prefix = $"cb/warm/{(int)workload}/";
            await Task.WhenAll(Enumerable.Range(0, 64).Select(c => Task.Run(() => ClientAsync(c, workload, size, prefix, until, until, ct), ct)));
        }
    }

    /// <summary>Runs one cell: warm-up, then the measured duration; then (puts) checks every acknowledged put.</summary>
    public async Task<CellResult> RunAsync(int cell, Workload workload, int valueSize, int clients, CancellationToken ct)
    {
        if (workload != Workload.Put)
        {
            await PreloadAsync(valueSize, ct);
        }

        var prefix = string.Create(CultureInfo.InvariantCulture, $"cb/{cell:D4}/");
        var ticksPerSecond = (double)Stopwatch.Frequency;
        var start = Stopwatch.GetTimestamp();
        var measureFrom = start + (long)(_settings.Warmup.TotalSeconds * ticksPerSecond);
        var measureTo = measureFrom + (long)(_settings.Duration.TotalSeconds * ticksPerSecond);
        var runs = Enumerable.Range(0, clients).Select(c => Task.Run(() => ClientAsync(c, workload, valueSize, prefix, measureFrom, measureTo, ct), ct)).ToArray();
        var cpu = CpuOverAsync(measureFrom, measureTo, ct);
        var states = await Task.WhenAll(runs);
        var (cpuSeconds, counters) = await cpu;

        var latencies = new long[states.Sum(s => s.Latencies.Count)];
        var at = 0;
        foreach (var s in states)
        {
            s.Latencies.CopyTo(latencies, at);
            at += s.Latencies.Count;
        }

        Array.Sort(latencies);
        double Percentile(double q) => latencies.Length == 0 ? double.NaN : latencies[Math.Max(0, (int)Math.Ceiling(q * latencies.Length) - 1)] * 1000.0 / ticksPerSecond;
        var errors = states.Sum(s => s.Errors);
        var firstError = states.Select(s => s.FirstError).FirstOrDefault(e => e is not null);

        var check = "-";
        var lost = false;
        if (workload is Workload.Put or Workload.Mix)
        {
            (check, lost) = _settings.Check ? await CheckAsync(prefix, valueSize, states, ct) : ("not checked", false);
        }

        return new CellResult(_target.Spec.Name, workload, valueSize, clients, latencies.Length, _settings.Duration.TotalSeconds,
            Percentile(0.50), Percentile(0.99), errors, firstError, check, lost, cpuSeconds, counters);
    }

    /// <summary>The CPU seconds the target's members used between two timestamps (what a request costs the servers, less
    /// sensitive to other load on the machine than throughput), and what their /metrics counted meanwhile.</summary>
    private async Task<(double Cpu, Counters Counters)> CpuOverAsync(long from, long to, CancellationToken ct)
    {
        double Sum() => _target.Processes.Sum(p => p.CpuTime.TotalSeconds);
        await Task.Delay(Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), from) is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero, ct);
        var before = Sum();
        var metricsBefore = await ScrapeAsync(ct);
        await Task.Delay(Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), to) is var rest && rest > TimeSpan.Zero ? rest : TimeSpan.Zero, ct);
        var cpu = Sum() - before;
        var metricsAfter = await ScrapeAsync(ct);
        if (metricsBefore is null || metricsAfter is null)
        {
            return (cpu, Counters.None);
        }

        var names = _target.MetricNames;
        double Delta(string? name, bool max)
        {
            if (name is null)
            {
                return double.NaN;
            }

            var deltas = metricsBefore.Zip(metricsAfter, (b, a) => Prometheus.Sum(a, name) - Prometheus.Sum(b, name)).ToArray();
            return max ? deltas.Max() : deltas.Sum();
        }

        return (cpu, new Counters(Delta(names.Fsyncs, false), Delta(names.Messages, false), Delta(names.Bytes, false), Delta(names.Committed, true)));
    }

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };

    /// <summary>Each member's /metrics text, or null when the target has none or one did not answer.</summary>
    private async Task<string[]?> ScrapeAsync(CancellationToken ct)
    {
        if (_target.MetricsUrls.Length == 0)
        {
            return null;
        }

        try
        {
            return await Task.WhenAll(_target.MetricsUrls.Select(u => _http.GetStringAsync(u + "/metrics", ct)));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    private sealed class ClientState
    {
        public List<long> Latencies { get; } = new(1 << 14);

        public List<int> Acknowledged { get; } = [];

        public long Errors { get; set; }

        public string? FirstError { get; set; }
    }

    private async Task<ClientState> ClientAsync(int client, Workload workload, int valueSize, string prefix, long measureFrom, long measureTo, CancellationToken ct)
    {
        var state = new ClientState();
        var kv = new KV.KVClient(_channels[client % _channels.Length]);
        var random = new Random(client * 7919 + valueSize);
        var seq = 0;
        while (Stopwatch.GetTimestamp() < measureTo && !ct.IsCancellationRequested)
        {
            var put = workload == Workload.Put || (workload == Workload.Mix && random.Next(10) == 0);
            var begin = Stopwatch.GetTimestamp();
            try
            {
                if (put)
                {
                    var n = seq++;
                    await kv.PutAsync(new PutRequest
                    {
                        Key = UnsafeByteOperations.UnsafeWrap(WriteKey(prefix, client, n)),
                        Value = UnsafeByteOperations.UnsafeWrap(Value(valueSize, client, n)),
                    }, deadline: DateTime.UtcNow + RequestTimeout, cancellationToken: ct);
                    state.Acknowledged.Add(n);
                }
                else
                {
                    await kv.RangeAsync(new RangeRequest
                    {
                        Key = UnsafeByteOperations.UnsafeWrap(ReadKey(valueSize, random.Next(_settings.ReadKeys))),
                        Serializable = workload == Workload.RangeSerializable,
                    }, deadline: DateTime.UtcNow + RequestTimeout, cancellationToken: ct);
                }

                var end = Stopwatch.GetTimestamp();
                if (begin >= measureFrom && end <= measureTo)
                {
                    state.Latencies.Add(end - begin);
                }
            }
            catch (Exception e) when (e is RpcException or OperationCanceledException && !ct.IsCancellationRequested)
            {
                // Grpc.Net.Client reports a deadline as DeadlineExceeded, or, when it fires while the response headers
                // are awaited, as a TaskCanceledException: both are a failed request, not the end of the run.
                state.Errors++;
                state.FirstError ??= e is RpcException r ? $"{r.StatusCode}: {r.Status.Detail}" : "DeadlineExceeded: " + e.Message;
                await Task.Delay(10, CancellationToken.None); // a failing cluster is not spun against
            }
        }

        return state;
    }

    /// <summary>Writes the <c>--read-keys</c> keys the ranges of this value size read (once per target and size).</summary>
    private async Task PreloadAsync(int valueSize, CancellationToken ct)
    {
        if (!_preloaded.Add(valueSize))
        {
            return;
        }

        var next = -1;
        var writers = Enumerable.Range(0, 16).Select(w => Task.Run(async () =>
        {
            var kv = new KV.KVClient(_channels[w % _channels.Length]);
            for (var i = Interlocked.Increment(ref next); i < _settings.ReadKeys; i = Interlocked.Increment(ref next))
            {
                for (var attempt = 0; ; attempt++)
                {
                    try
                    {
                        await kv.PutAsync(new PutRequest
                        {
                            Key = UnsafeByteOperations.UnsafeWrap(ReadKey(valueSize, i)),
                            Value = UnsafeByteOperations.UnsafeWrap(Value(valueSize, -1, i)),
                        }, deadline: DateTime.UtcNow + RequestTimeout, cancellationToken: ct);
                        break;
                    }
                    catch (Exception e) when (e is RpcException or OperationCanceledException && attempt < 20 && !ct.IsCancellationRequested)
                    {
                        await Task.Delay(100, ct);
                    }
                }
            }
        }, ct));
        await Task.WhenAll(writers);
    }

    /// <summary>
    /// Reads the cell's key range back (linearizably, through member 1, in pages) and checks that every acknowledged put
    /// is there with its value. Keys whose put failed may or may not be there (their outcome is unknown).
    /// </summary>
    private async Task<(string, bool)> CheckAsync(string prefix, int valueSize, ClientState[] states, CancellationToken ct)
    {
        var kv = new KV.KVClient(_channels[0]);
        var prefixBytes = Encoding.ASCII.GetBytes(prefix);
        var end = (byte[])prefixBytes.Clone();
        end[^1]++;
        var found = new Dictionary<(int Client, int Seq), bool>();
        var from = prefixBytes;
        while (true)
        {
            RangeResponse page;
            try
            {
                page = await kv.RangeAsync(new RangeRequest
                {
                    Key = ByteString.CopyFrom(from),
                    RangeEnd = ByteString.CopyFrom(end),
                    Limit = 2000,
                }, deadline: DateTime.UtcNow.AddSeconds(60), cancellationToken: ct);
            }
            catch (Exception e) when (e is RpcException or OperationCanceledException && !ct.IsCancellationRequested)
            {
                return ($"CHECK FAILED: reading back: {(e is RpcException r ? $"{r.StatusCode} {r.Status.Detail}" : "DeadlineExceeded " + e.Message)}", true);
            }

            foreach (var item in page.Kvs)
            {
                var key = item.Key.Span;
                var (client, seq) = ParseKey(key[prefixBytes.Length..]);
                found[(client, seq)] = item.Value.Span.SequenceEqual(Value(valueSize, client, seq));
            }

            if (!page.More || page.Kvs.Count == 0)
            {
                break;
            }

            var last = page.Kvs[^1].Key.ToByteArray();
            from = [.. last, 0];
        }

        long acknowledged = 0, missing = 0, wrong = 0;
        for (var c = 0; c < states.Length; c++)
        {
            foreach (var seq in states[c].Acknowledged)
            {
                acknowledged++;
                if (!found.TryGetValue((c, seq), out var right))
                {
                    missing++;
                }
                else if (!right)
                {
                    wrong++;
                }
            }
        }

        return missing == 0 && wrong == 0
            ? (string.Create(CultureInfo.InvariantCulture, $"all {acknowledged} acked puts read back"), false)
            : (string.Create(CultureInfo.InvariantCulture, $"LOST {missing}, WRONG {wrong} of {acknowledged} acked puts"), true);
    }

    /// <summary>A put key: the cell's prefix, client, sequence number, padded to 256 bytes.</summary>
    private static byte[] WriteKey(string prefix, int client, int seq) =>
        Pad(string.Create(CultureInfo.InvariantCulture, $"{prefix}{client:D4}/{seq:D10}/"), Settings.KeySize, (byte)'k');

    private static (int Client, int Seq) ParseKey(ReadOnlySpan<byte> rest) =>
        (int.Parse(Encoding.ASCII.GetString(rest[..4]), CultureInfo.InvariantCulture), int.Parse(Encoding.ASCII.GetString(rest[5..15]), CultureInfo.InvariantCulture));

    /// <summary>A read key (preloaded): value size and index, padded to 256 bytes.</summary>
    private static byte[] ReadKey(int valueSize, int index) =>
        Pad(string.Create(CultureInfo.InvariantCulture, $"cbr/{valueSize:D6}/{index:D8}/"), Settings.KeySize, (byte)'r');

    /// <summary>The value of a key: which it is, padded to the value size (so a read back can tell a wrong value).</summary>
    private static byte[] Value(int size, int client, int seq) =>
        Pad(string.Create(CultureInfo.InvariantCulture, $"v{client}/{seq}/"), size, (byte)'v');

    private static byte[] Pad(string text, int size, byte fill)
    {
        var bytes = new byte[size];
        bytes.AsSpan().Fill(fill);
        Encoding.ASCII.GetBytes(text.AsSpan(0, Math.Min(text.Length, size)), bytes);
        return bytes;
    }
}
