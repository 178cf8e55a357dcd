using System.Buffers;
using System.Security.Cryptography;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using UltimateConsensus.Pbft;

namespace UltimateConsensus.Tests.Pbft;

/// <summary>One replica's rules on their own: authentication per link, the normal case, exactly-once, the codec, the new-view decision.</summary>
public sealed class PbftNodeTests
{
    private static readonly NodeId N1 = new(1), N2 = new(2), N3 = new(3), N4 = new(4);
    private static readonly Membership Four = new([N1, N2, N3, N4]);

    private sealed class Keys(NodeId self) : ILinkKeys
    {
        public ReadOnlyMemory<byte> KeyFor(NodeId peer) =>
            SHA256.HashData([(byte)Math.Min(self.Value, peer.Value), (byte)Math.Max(self.Value, peer.Value)]);
    }

    private static PbftNode Node(NodeId id, PbftOptions? options = null) =>
        new(id, Four, RecoveredState.Empty, options ?? new PbftOptions(), new Keys(id), PbftFlaw.None);

    private static List<PbftMessage> Drain(PbftNode node)
    {
        var messages = new List<PbftMessage>();
        while (node.HasReady)
        {
            var ready = node.GetReady();
            messages.AddRange(ready.Messages.Cast<PbftMessage>());
            node.Advance(ready);
        }

        return messages;
    }

    private static byte[] Request(long client, long ts) => [0x4B, .. BitConverter.GetBytes(client), .. BitConverter.GetBytes(ts), 1, 2, 3];

    [Fact]
    public void A_backup_prepares_an_authentic_pre_prepare_and_rejects_forged_or_altered_ones()
    {
        var primary = Node(N1);
        primary.Propose(Request(1, 1));
        var pp = (PrePrepare)PbftLoopback.RoundTrip(Drain(primary).Single(m => m.To == N2));
        Assert.Equal(0, pp.View);
        Assert.Equal(1, pp.Seq);

        // Forged: claims to be the primary's, MAC'd with the key of another link (n3-n2).
        var forged = pp with { Mac = HMACSHA256.HashData(new Keys(N3).KeyFor(N2).Span, PbftCodec.Body(pp)) };
        var backup = Node(N2);
        backup.Step(forged);
        Assert.Empty(Drain(backup));

        // Altered: the sequence number changed, the MAC kept.
        backup.Step(pp with { Seq = 2 });
        Assert.Empty(Drain(backup));

        backup.Step(pp);
        var prepares = Drain(backup).OfType<Prepare>().ToArray();
        Assert.Equal(3, prepares.Length);
        Assert.All(prepares, p => Assert.Equal(pp.Batch.Digest, p.Digest));
    }

    [Fact]
    public void Four_honest_replicas_commit_and_execute_a_request_once()
    {
        var nodes = new[] { Node(N1), Node(N2), Node(N3), Node(N4) };
        var executed = new Dictionary<NodeId, List<LogEntry>>();
        foreach (var n in nodes)
        {
            executed[n.Id] = [];
            n.Propose(Request(7, 1));
            n.Propose(Request(7, 1)); // a retransmission: not executed twice
        }

        PbftLoopback.Run(nodes, (n, ready) => executed[n.Id].AddRange(ready.CommittedEntries));

        foreach (var n in nodes)
        {
            var commands = executed[n.Id].Where(e => e.Kind == EntryKind.Command).ToArray();
            Assert.Single(commands);
            Assert.Equal(Request(7, 1), commands[0].Data.ToArray());
            n.Propose(Request(7, 1)); // already executed: nothing new
            Assert.DoesNotContain(n.GetReady().Messages, x => x is PrePrepare);
        }
    }

    [Fact]
    public void A_replica_far_behind_catches_up_in_one_exchange_of_fetches_not_one_reply_per_retransmission()
    {
        // Small fetch replies (one batch each) and one request a batch: 12 batches, 24 entries, executed while n4 hears nothing.
        var options = new PbftOptions { MaxFetchEntries = 2, MaxBatchRequests = 1 };
        var nodes = new[] { Node(N1, options), Node(N2, options), Node(N3, options), Node(N4, options) };
        var executed = nodes.ToDictionary(n => n.Id, _ => new List<LogEntry>());
        void Record(PbftNode n, Ready ready) => executed[n.Id].AddRange(ready.CommittedEntries);
        for (var ts = 1; ts <= 12; ts++)
        {
            foreach (var n in nodes.Take(3))
            {
                n.Propose(Request(5, ts));
            }
        }

        PbftLoopback.Run(nodes, Record, m => m.From != N4 && m.To != N4);
        Assert.Equal(24, executed[N1].Count);
        Assert.Empty(executed[N4]);

        // n4 ticks until its retransmission timer asks the others for what it lacks; from then on no replica ticks.
        var n4 = nodes[3];
        var ticks = 0;
        while (!n4.GetReady().Messages.OfType<Fetch>().Any())
        {
            Assert.True(++ticks <= 4 * options.RetransmitTicks, "n4 never fetched");
            n4.Tick();
        }

        PbftLoopback.Run(nodes, Record);
        Assert.Equal(executed[N1].Select(e => e.Data.ToArray()), executed[N4].Select(e => e.Data.ToArray()));
    }

    [Fact]
    public void The_new_view_keeps_a_request_prepared_by_2f_plus_1_and_drops_it_only_when_broken()
    {
        var batch = new Batch([Request(1, 1)]);
        var genesis = new CheckpointClaim(0, 0, Digest.Of("pbft-genesis"u8));
        ViewChange Vc(NodeId from, bool prepared) => new(from, NodeId.None, 1, genesis, [],
            prepared ? [new PreparedClaim(1, 0, batch)] : [],
            prepared ? [new PrePreparedClaim(1, 0, batch.Digest)] : []);

        var s = new[] { Vc(N2, true), Vc(N3, true), Vc(N4, false) };
        var decision = NewViewDecision.Decide(s, 1, 32, genesis, PbftFlaw.None);
        Assert.NotNull(decision);
        Assert.Equal(batch.Digest, Assert.Single(decision.Order).Batch.Digest);

        // One replica's claim alone (a faulty one's, maybe) chooses neither the request (A2 needs f+1 pre-prepares) nor null (B needs 2f+1 without it).

        var lone = new[] { Vc(N2, true), Vc(N3, false), Vc(N4, false) };
        Assert.Null(NewViewDecision.Decide(lone, 1, 32, genesis, PbftFlaw.None));

        var broken = NewViewDecision.Decide(s, 1, 32, genesis, PbftFlaw.NewViewDropsPrepared);
        Assert.True(Assert.Single(broken!.Order).Batch.IsNull);
    }

    [Fact]
    public void The_codec_round_trips_every_message_and_refuses_garbage()
    {
        var batch = new Batch([Request(1, 1), Request(2, 5)]);
        var d = batch.Digest;
        PbftMessage[] messages =
        [
            new PrePrepare(N1, N2, 3, 9, batch) { Mac = [1, 2, 3] },
            new Prepare(N2, N3, 3, 9, d),
            new Commit(N3, N4, 3, 9, d),
            new Checkpoint(N4, N1, 8, 20, d),
            new ViewChange(N1, N2, 4, new CheckpointClaim(8, 20, d), [new CheckpointClaim(16, 40, d)], [new PreparedClaim(17, 3, batch)], [new PrePreparedClaim(17, 3, d)]),
            new NewView(N1, N3, 4, [new ViewChangeRef(N2, d)], 8, [new Chosen(9, batch), new Chosen(10, Batch.Empty)]),
            new Fetch(N2, N1, 5),
            new FetchReply(N1, N2, 5, [new LogEntry(5, 1, EntryKind.Command, new byte[] { 9 })]),
            new ViewChangeAck(N3, N1, 4, N2, d),
        ];
        foreach (var m in messages)
        {
            var back = PbftLoopback.RoundTrip(m);
            Assert.Equal(PbftCodec.Body(m), PbftCodec.Body(back));
            Assert.Equal(m.ToString(), back.ToString());
        }

        Assert.Throws<FormatException>(() => PbftCodec.Instance.Decode([99, 2, 4]));
        Assert.Throws<FormatException>(() => PbftCodec.Instance.Decode([1, 2, 4, 0, 2, 0xFF, 0xFF, 0xFF, 0x0F]));
    }
}
