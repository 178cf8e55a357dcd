using Kernel.Node.Hosting;
using Kernel.Node.Runtime;
using Kernel.Sdk.Cluster;

using UltimateConsensus;

namespace Kernel.Node.Tests;

/// <summary>
/// The node runtime serving a four-member cluster on <c>consensus/pbft</c> (f = 1) through the gateway: every member
/// sends its clients' requests to all four replicas and answers once two replied alike. Puts and linearizable reads
/// (an ordered barrier) through every member; a replica stopped and the others serve on; a replica whose replies lie, or
/// claim another replica's name, changes nothing its gateways answer.
/// </summary>
public sealed class PbftServeTests
{
    [Fact]
    public async Task A_pbft_cluster_serves_through_every_member_and_survives_a_stopped_replica()
    {
        var cluster = TestCluster.Create(4);
        await using var _ = cluster;
        cluster.Strategy = new PbftStrategy();
        for (var i = 0; i < 4; i++)
        {
            await cluster.StartMemberAsync(i);
        }

        // Sequential puts: each one's response is the number of commands applied once it was (its replicas' own result).
        for (var i = 0; i < 12; i++)
        {
            var response = await cluster.Hosts[i % 4]!.Client.ProposeAsync(KvMachine.Set("k" + (i % 3), "v" + i), CancellationToken.None);
            Assert.Equal((long)(i + 1), response);
        }

        for (var i = 0; i < 4; i++)
        {
            Assert.Equal("v11", await TestCluster.ValueAsync(cluster.Hosts[i]!, "k2", linearizable: true));
        }

        await cluster.AllHoldAsync("k0", "v9");

        // A backup stops: three replicas are 2f+1, the others still order and two of them still reply alike.
        var primary = cluster.Running.Single(h => h.Runtime.IsLeader);
        var backup = cluster.Running.First(h => h != primary);
        var stopped = cluster.IndexOf(backup);
        await cluster.StopMemberAsync(stopped);
        foreach (var host in cluster.Running)
        {
            await TestCluster.ProposeAsync(host, "after", host.Member.Name);
            Assert.Equal(host.Member.Name, await TestCluster.ValueAsync(host, "after", linearizable: true));
        }

        // It comes back and catches up; then the primary stops and a view change lets the others go on.
        var last = cluster.Running.Last().Member.Name;
        await cluster.StartMemberAsync(stopped);
        await cluster.AllHoldAsync("after", last);
        var primaryIndex = cluster.IndexOf(primary);
        await cluster.StopMemberAsync(primaryIndex);
        var gateway = cluster.Running.First();
        await TestCluster.ProposeAsync(gateway, "view", "changed");
        Assert.Equal("changed", await TestCluster.ValueAsync(cluster.Running.Last(), "view", linearizable: true));
        Assert.All(cluster.Running, h => Assert.Equal(0, h.Runtime.QuorumRequestsInFlight));
    }

    [Fact]
    public async Task A_replica_that_lies_or_speaks_for_another_changes_nothing_its_gateways_answer()
    {
        var cluster = TestCluster.Create(4);
        await using var _ = cluster;
        cluster.Strategy = new PbftStrategy();
        for (var i = 0; i < 4; i++)
        {
            await cluster.StartMemberAsync(i);
        }

        var liar = cluster.Hosts[3]!;
        var impersonated = cluster.Hosts[1]!.Member.Id;
        var lies = 0;
        liar.Runtime.ReplyTamper = (gateway, reply, keys) =>
        {
            // A wrong result in its own name, and the same in another replica's name with the only key the liar holds
            // for this gateway: were the forgery counted, two replicas would seem to agree on the lie.
            Interlocked.Increment(ref lies);
            var wrong = reply with { Response = new KvMachine().EncodeResponse(1_000_000L + reply.Index) };
            var key = keys.KeyFor(gateway).Span;
            return [wrong.Encode(key), (wrong with { Sender = impersonated }).Encode(key)];
        };

        for (var i = 0; i < 12; i++)
        {
            var response = await cluster.Hosts[i % 3]!.Client.ProposeAsync(KvMachine.Set("k", "v" + i), CancellationToken.None);
            Assert.Equal((long)(i + 1), response);
        }

        Assert.Equal("v11", await TestCluster.ValueAsync(cluster.Hosts[0]!, "k", linearizable: true));
        // The answers above needed only f + 1 = 2 matching replies, so a liar that lags (a loaded machine) may not have
        // replied yet: it does once it executes the requests. The check is that the lies were told and changed nothing.
        await TestCluster.Eventually(() => Task.FromResult(Volatile.Read(ref lies) >= 8), "the liar replying to most requests");
        Assert.True(Volatile.Read(ref lies) >= 8, $"the liar replied {lies} times");
        await TestCluster.Eventually(() => cluster.Running.Take(3).Sum(h => h.Runtime.RejectedReplies) > 0, "a gateway drops a reply whose MAC does not fit the sender it names");
    }

    [Fact]
    public void A_request_is_answered_only_by_f_plus_one_replicas_that_say_the_same()
    {
        var tally = new ReplyTally(2);
        byte[] right = [1, 2, 3];
        byte[] wrong = [9, 9, 9];
        Assert.False(tally.Add(new NodeId(4), 7, wrong, out _, out _));
        Assert.False(tally.Add(new NodeId(4), 7, wrong, out _, out _)); // the same replica twice counts once
        Assert.False(tally.Add(new NodeId(1), 7, right, out _, out _));
        Assert.False(tally.Add(new NodeId(2), 8, right, out _, out _)); // same response, another index: another answer
        Assert.True(tally.Add(new NodeId(3), 7, [.. right], out var index, out var response));
        Assert.Equal(7, index);
        Assert.Equal(right, response);
        Assert.Equal(3, tally.Groups);
    }

    [Fact]
    public void A_reply_decodes_only_under_the_key_of_the_link_to_the_replica_it_names()
    {
        var key = new byte[32];
        key[0] = 1;
        var other = new byte[32];
        var reply = new ReplicaReply(0xabc, 42, 7, 99, ReplicaRequest.Digest([1, 2]), [5, 6, 7]);
        var bytes = reply.Encode(key);
        Assert.True(ReplicaReply.TryReadSender(bytes, out var sender));
        Assert.Equal(0xabcUL, sender);
        Assert.True(ReplicaReply.TryDecode(bytes, key, out var decoded));
        Assert.Equal(reply.Response, decoded!.Response);
        Assert.Equal((reply.Sender, reply.Incarnation, reply.RequestId, reply.Index), (decoded.Sender, decoded.Incarnation, decoded.RequestId, decoded.Index));
        Assert.False(ReplicaReply.TryDecode(bytes, other, out _));
        bytes[40] ^= 1; // a corrupted field
        Assert.False(ReplicaReply.TryDecode(bytes, key, out _));
        Assert.False(ReplicaReply.TryReadSender([ReplicaReply.Magic, 1, 2], out _));

        var request = new ReplicaRequest(5, 6, new byte[] { 1, 2, 3 }).Encode();
        Assert.True(ReplicaRequest.TryDecode(request, out var r));
        Assert.Equal((5L, 6L), (r.Client, r.Timestamp));
        Assert.Equal(new byte[] { 1, 2, 3 }, r.Envelope.ToArray());
    }
}
