using System.Globalization;

using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

using Kernel.Node.Etcd.Protos;
using Kernel.Sdk.Testing.Linearizability;

namespace Kernel.Tests.Cli;

/// <summary>
/// Three <c>kernel node</c> processes, on each consensus protocol in turn, under a write and read load from several clients; the leader's process is killed
/// with SIGKILL and started again on its data. Every acknowledged write is readable afterwards, the clients' recorded
/// history is linearizable by the project's checker, and a watch that moves between members sees every acknowledged
/// write once, in revision order.
/// </summary>
[Collection(ProcessClusterCollection.Name)]
public sealed class KillNineTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Clients = 6;
    private const int Registers = 4;

    [Theory]
    [InlineData("consensus/raft")]
    [InlineData("consensus/multi-paxos")]
    [InlineData("consensus/zab")]
    [InlineData("consensus/vr")]
    public async Task Kill_9_of_the_leader_under_load_loses_no_acknowledged_write_and_the_history_is_linearizable(string strategy)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return; // kill(1)
        }

        using var cluster = await ProcessCluster.StartWithLeaderAsync("kill-nine", strategy: strategy);
        var members = cluster.Members;
        var names = cluster.Names;
        var channels = cluster.Channels.ToArray();
        string Logs() => cluster.Logs();
        var run = new Recorder();
        using var stop = new CancellationTokenSource();
        using var stopWatching = new CancellationTokenSource();
        var watch = WatchAsync(channels, run, stopWatching.Token);
        var clients = Enumerable.Range(0, Clients).Select(c => ClientAsync(c, channels, run, stop.Token)).ToArray();

        await Task.Delay(TimeSpan.FromSeconds(3));
        var leader = await cluster.LeaderAsync();
        Assert.True(leader >= 0, "a leader under load:\n" + Logs());
        var before = run.Acknowledged;
        members[leader]!.Kill9();
        await Task.Delay(TimeSpan.FromSeconds(4));
        var during = run.Acknowledged;
        cluster.StartMember(leader);
        await Task.Delay(TimeSpan.FromSeconds(4));
        await stop.CancelAsync();
        await Task.WhenAll(clients);
        var after = run.Acknowledged;
        Assert.True(before > 20 && after > during && during > before, $"writes went on around the kill: {before}, {during}, {after} acknowledged\n{Logs()}");

        // The restarted member serves its data again: a serializable read there sees every acknowledged write.
        var restarted = new KV.KVClient(channels[leader]);
        await KernelProcess.Until(async () => (await AcknowledgedMissingAsync(restarted, run, serializable: true)).Count == 0, "the restarted member holding every acknowledged write", Logs, 60);

        // Every acknowledged write is readable (linearizably, from any member).
        // (A read that fails, as while a leader change settles, is tried again; a read that answers must hold them all.)
        var reader = new KV.KVClient(channels[(leader + 1) % 3]);
        var missing = await AcknowledgedMissingAsync(reader, run, serializable: false);
        for (var attempt = 0; attempt < 30 && missing is [var only] && only.StartsWith("read failed", StringComparison.Ordinal); attempt++)
        {
            await Task.Delay(500);
            missing = await AcknowledgedMissingAsync(reader, run, serializable: false);
        }

        Assert.True(missing.Count == 0, $"acknowledged writes lost: {string.Join(", ", missing.Take(10))}\n{Logs()}");

        // Final reads of the registers join the history, then the checker decides it.
        var final = new KV.KVClient(channels[(leader + 2) % 3]);
        for (var r = 0; r < Registers; r++)
        {
            var process = run.NewProcess();
            run.Invoke(process, "get", Register(r));
            // A leader change may still be settling after the restart (a restarted Paxos member may take over with a
            // higher ballot): etcd clients retry "no leader", and so does this read; a failed read changed nothing.
            RangeResponse? got = null;
            for (var attempt = 0; got is null; attempt++)
            {
                try
                {
                    got = await final.RangeAsync(new RangeRequest { Key = ByteString.CopyFromUtf8(Register(r)) }, deadline: DateTime.UtcNow.AddSeconds(10));
                }
                catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded && attempt < 30)
                {
                    await Task.Delay(500);
                }
            }

            run.Ok(process, got.Kvs.Count == 0 ? null : got.Kvs[0].Value.ToStringUtf8());
        }

        Assert.True(Models.TryGet("kv-cas", out var model));
        var verdict = model.Check(run.History(), new CheckOptions { TimeBudget = TimeSpan.FromSeconds(60) });
        Assert.True(verdict.Verdict == Verdict.Linearizable, $"{verdict}\n{verdict.Counterexample}");
        output.WriteLine($"{strategy}: killed {names[leader]}; acknowledged writes {before} before the kill, {during} four seconds after, {after} in all; {verdict}");

        // The watch, moved from member to member as they failed, saw each acknowledged write once, in order.
        await KernelProcess.Until(() => Task.FromResult(run.WatchedThrough >= run.HighestAcknowledgedRevision), "the watch catching up", Logs, 60);
        await stopWatching.CancelAsync();
        await watch;
        var unseen = run.AcknowledgedRevisions.Where(r => !run.Watched.Contains(r)).ToArray();
        Assert.True(unseen.Length == 0, $"acknowledged revisions the watch missed: {string.Join(", ", unseen.Take(10))}");
        Assert.True(run.WatchDuplicates == 0, $"{run.WatchDuplicates} watch events repeated or out of order");

        cluster.StopAll();
    }

    private static string Register(int r) => "reg-" + r.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// One client: puts of unique values to a few registers and to keys of its own, and linearizable gets of the
    /// registers, each against the member it last reached (the next one after an error). A put whose outcome is unknown
    /// (an error after it was sent) is recorded as such, and the client continues as a new process, as Jepsen's do.
    /// </summary>
    private static async Task ClientAsync(int client, GrpcChannel[] channels, Recorder run, CancellationToken stop)
    {
        var random = new Random(client);
        var member = client % channels.Length;
        var process = run.NewProcess();
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            var kv = new KV.KVClient(channels[member]);
            var deadline = DateTime.UtcNow.AddSeconds(3);
            var choice = random.Next(10);
            try
            {
                if (choice < 4)
                {
                    var key = Register(random.Next(Registers));
                    run.Invoke(process, "get", key);
                    RangeResponse got;
                    try
                    {
                        got = await kv.RangeAsync(new RangeRequest { Key = ByteString.CopyFromUtf8(key) }, deadline: deadline);
                    }
                    catch (RpcException)
                    {
                        run.Fail(process); // a read that failed changed nothing
                        throw;
                    }

                    run.Ok(process, got.Kvs.Count == 0 ? null : got.Kvs[0].Value.ToStringUtf8());
                }
                else
                {
                    var key = choice < 8 ? Register(random.Next(Registers)) : $"own-{client}-{n}";
                    var value = $"c{client}-{n}";
                    run.Invoke(process, "put", key, value);
                    PutResponse put;
                    try
                    {
                        put = await kv.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFromUtf8(value) }, deadline: deadline);
                    }
                    catch (RpcException)
                    {
                        run.Info(process); // sent: it may have been applied
                        process = run.NewProcess();
                        throw;
                    }

                    run.Ok(process);
                    run.Acknowledge(key, put.Header.Revision);
                }
            }
            catch (RpcException)
            {
                member = (member + 1) % channels.Length;
                await Task.Delay(50, CancellationToken.None);
            }
        }
    }

    /// <summary>A watch of every key from revision 1; when its member fails it resumes on the next one after the last revision seen.</summary>
    private static async Task WatchAsync(GrpcChannel[] channels, Recorder run, CancellationToken stop)
    {
        var member = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var call = new Watch.WatchClient(channels[member]).Watch(cancellationToken: stop);
                await call.RequestStream.WriteAsync(new WatchRequest
                {
                    CreateRequest = new WatchCreateRequest { Key = ByteString.CopyFrom(0), RangeEnd = ByteString.CopyFrom(0), StartRevision = run.WatchedThrough + 1 },
                });
                while (await call.ResponseStream.MoveNext(stop))
                {
                    var response = call.ResponseStream.Current;
                    if (response.Canceled)
                    {
                        break;
                    }

                    foreach (var e in response.Events)
                    {
                        run.Watch(e.Kv.ModRevision);
                    }
                }
            }
            catch (RpcException) when (!stop.IsCancellationRequested)
            {
                // the member went away: resume on another
            }
            catch (Exception ex) when (stop.IsCancellationRequested && ex is RpcException or OperationCanceledException)
            {
                break;
            }

            member = (member + 1) % channels.Length;
            await Task.Delay(100, CancellationToken.None);
        }
    }

    /// <summary>The acknowledged writes whose value (or a later acknowledged one of the same key) is not what a read returns.</summary>
    private static async Task<List<string>> AcknowledgedMissingAsync(KV.KVClient kv, Recorder run, bool serializable)
    {
        var missing = new List<string>();
        try
        {
            var all = await kv.RangeAsync(new RangeRequest { Key = ByteString.CopyFrom(0), RangeEnd = ByteString.CopyFrom(0), Serializable = serializable }, deadline: DateTime.UtcNow.AddSeconds(5));
            var held = all.Kvs.ToDictionary(k => k.Key.ToStringUtf8(), k => k.ModRevision);
            foreach (var (key, revision) in run.LastAcknowledgedRevisionByKey())
            {
                if (!held.TryGetValue(key, out var current) || current < revision)
                {
                    missing.Add($"{key}@{revision}");
                }
            }
        }
        catch (RpcException ex)
        {
            missing.Add("read failed: " + ex.Status.Detail);
        }

        return missing;
    }

    /// <summary>What the clients and the watch saw, under one lock, in real-time order.</summary>
    private sealed class Recorder
    {
        private readonly object _gate = new();
        private readonly HistoryBuilder _history = new();
        private readonly Dictionary<string, long> _lastRevision = [];
        private readonly List<long> _acknowledged = [];
        private int _processes;
        private long _watchedThrough;

        public HashSet<long> Watched { get; } = [];

        public int WatchDuplicates { get; private set; }

        public int Acknowledged
        {
            get
            {
                lock (_gate)
                {
                    return _acknowledged.Count;
                }
            }
        }

        public long WatchedThrough
        {
            get
            {
                lock (_gate)
                {
                    return _watchedThrough;
                }
            }
        }

        public long HighestAcknowledgedRevision
        {
            get
            {
                lock (_gate)
                {
                    return _acknowledged.Count == 0 ? 0 : _acknowledged.Max();
                }
            }
        }

        public IReadOnlyList<long> AcknowledgedRevisions
        {
            get
            {
                lock (_gate)
                {
                    return [.. _acknowledged];
                }
            }
        }

        public int NewProcess() => Interlocked.Increment(ref _processes);

        public void Invoke(int process, string f, string key, string? value = null)
        {
            lock (_gate)
            {
                _history.Invoke(process, f, key, value);
            }
        }

        public void Ok(int process, string? value = null)
        {
            lock (_gate)
            {
                _history.Ok(process, value);
            }
        }

        public void Fail(int process)
        {
            lock (_gate)
            {
                _history.Fail(process);
            }
        }

        public void Info(int process)
        {
            lock (_gate)
            {
                _history.Info(process);
            }
        }

        public void Acknowledge(string key, long revision)
        {
            lock (_gate)
            {
                _acknowledged.Add(revision);
                _lastRevision[key] = Math.Max(_lastRevision.GetValueOrDefault(key), revision);
            }
        }

        public IReadOnlyList<(string Key, long Revision)> LastAcknowledgedRevisionByKey()
        {
            lock (_gate)
            {
                return [.. _lastRevision.Select(p => (p.Key, p.Value))];
            }
        }

        public void Watch(long revision)
        {
            lock (_gate)
            {
                if (revision <= _watchedThrough || !Watched.Add(revision))
                {
                    WatchDuplicates++;
                    return;
                }

                _watchedThrough = revision;
            }
        }

        public History History()
        {
            lock (_gate)
            {
                return _history.Build();
            }
        }
    }
}
