using System.Buffers;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

using Kernel.Node.Runtime;
using Kernel.Node.Transport;
using Kernel.Node.Transport.Protocol;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

using UltimateConsensus;

namespace Kernel.Node.Tests.Transport;

/// <summary>The peer transport over real loopback gRPC: the token challenge, the stamped sender, the listeners kept apart.</summary>
public sealed class PeerTransportTests
{
    [Fact]
    public async Task A_member_with_a_wrong_cluster_token_is_refused_and_both_sides_log_it()
    {
        await using var cluster = await TestCluster.StartAsync(adjust: (i, o) => i == 2 ? o with { Token = "not-the-token" } : o);
        var leader = await TestCluster.LeaderOfAsync(cluster, cluster.Hosts[0]!, cluster.Hosts[1]!);
        await TestCluster.ProposeAsync(leader, "k", "v");
        var outsider = cluster.Hosts[2]!;
        await TestCluster.Eventually(
            () => Refusals(cluster, "m1").Any() && Refusals(cluster, "m2").Any() && Refusals(cluster, "m3").Count() >= 2,
            "the refusal is logged by the acceptors and by the member with the wrong token");
        Assert.Equal(0ul, outsider.Client.Status.LeaderId);
        Assert.False(outsider.Transport.IsConnected(new NodeId(1)) || outsider.Transport.IsConnected(new NodeId(2)) || outsider.Transport.IsConnected(new NodeId(3)));
        Assert.NotEqual(cluster.Hosts[0]!.Client.Status.ClusterId, outsider.Client.Status.ClusterId);
        Assert.Null(await TestCluster.ValueAsync(outsider, "k"));
    }

    [Fact]
    public async Task A_message_whose_sender_is_not_the_authenticated_peer_is_dropped()
    {
        var cluster = TestCluster.Create();
        await using var _ = cluster;
        var host = await cluster.StartMemberAsync(0);
        var options = cluster.Options[0];
        var members = options.Members();
        var map = new ClusterMap(options.ClusterId(), members, host.Member.Id);
        var dialler = members.First(m => m.Id != host.Member.Id);
        var diallerNode = map.NodeOf(dialler.Id);
        var thirdNode = map.Peers.First(n => n != diallerNode);

        using var channel = GrpcChannel.ForAddress(options.PeerUrls[0]);
        using var call = new Peer.PeerClient(channel).Connect();
        var nonce = PeerAuthentication.Nonce();
        await call.RequestStream.WriteAsync(new PeerFrame { Hello = new Hello { ClusterId = map.ClusterId, FromMember = dialler.Id, ToMember = host.Member.Id, Nonce = ByteString.CopyFrom(nonce) } });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var challenge = call.ResponseStream.Current.Challenge;
        var expected = PeerAuthentication.Proof(options.Token, PeerAuthentication.Role.Acceptor, map.ClusterId, dialler.Id, host.Member.Id, nonce, challenge.Nonce.Span);
        Assert.True(PeerAuthentication.Verify(challenge.Proof.Span, expected), "the acceptor proves the token");
        var proof = PeerAuthentication.Proof(options.Token, PeerAuthentication.Role.Dialler, map.ClusterId, dialler.Id, host.Member.Id, nonce, challenge.Nonce.Span);
        await call.RequestStream.WriteAsync(new PeerFrame { Proof = new Proof { Proof_ = ByteString.CopyFrom(proof) } });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.NotNull(call.ResponseStream.Current.Welcome);

        var before = host.Transport.Dropped;
        var honest = CampaignMessage(diallerNode, map.Self);
        var forged = CampaignMessage(thirdNode, map.Self);
        await call.RequestStream.WriteAsync(new PeerFrame { Messages = new Messages { Items = { honest, forged } } });
        await TestCluster.Eventually(() => host.Transport.Dropped == before + 1, "the forged message is dropped");
        await call.RequestStream.WriteAsync(new PeerFrame { Messages = new Messages { Items = { forged, forged, honest } } });
        await TestCluster.Eventually(() => host.Transport.Dropped == before + 3, "only forged messages are dropped");
        await call.RequestStream.CompleteAsync();
    }

    [Fact]
    public async Task Client_endpoints_are_served_on_the_client_listener_only()
    {
        await using var cluster = await TestCluster.StartAsync();
        var leader = await cluster.LeaderAsync();
        await TestCluster.ProposeAsync(leader, "greeting", "hello");
        await cluster.AllHoldAsync("greeting", "hello");
        var host = cluster.Hosts[0]!;
        using var http = new HttpClient();
        Assert.Equal("hello", await http.GetStringAsync(host.Options.ClientHttpUrls[0] + "/kv/greeting"));

        // gRPC clients speak HTTP/2 without TLS by prior knowledge: the client listener takes it (HTTP/1.1 goes to the http URLs).
        using var h2c = new HttpRequestMessage(HttpMethod.Get, host.Options.ClientUrls[0] + "/kv/greeting") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var onClient = await http.SendAsync(h2c);
        Assert.Equal("hello", await onClient.Content.ReadAsStringAsync());

        using var h2 = new HttpRequestMessage(HttpMethod.Get, host.Options.PeerUrls[0] + "/kv/greeting") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var onPeer = await http.SendAsync(h2);
        Assert.Equal(HttpStatusCode.NotFound, onPeer.StatusCode);

        // The same gRPC route is the application's on the client listener and the peer service on the peer listener.
        foreach (var (url, expected) in new[] { (host.Options.ClientUrls[0], PeerFrame.BodyOneofCase.Welcome), (host.Options.PeerUrls[0], PeerFrame.BodyOneofCase.Challenge) })
        {
            using var channel = GrpcChannel.ForAddress(url);
            using var call = new Peer.PeerClient(channel).Connect();
            await call.RequestStream.WriteAsync(new PeerFrame { Hello = new Hello { FromMember = cluster.Hosts[1]!.Member.Id, ToMember = host.Member.Id, Nonce = ByteString.CopyFrom(PeerAuthentication.Nonce()) } });
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal(expected, call.ResponseStream.Current.BodyCase);
        }
    }

    [Fact]
    public async Task Members_talk_over_mutual_tls_when_certificates_are_given_and_refuse_a_foreign_certificate()
    {
        var dir = Path.Combine(Path.GetTempPath(), "kernel-node-tests", "tls-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var (cert, key) = await SelfSignedAsync(dir, "cluster");
            var (foreignCert, foreignKey) = await SelfSignedAsync(dir, "foreign");
            await using var cluster = await TestCluster.StartAsync(
                adjust: (i, o) => i < 2
                    ? o with { PeerCertFile = cert, PeerKeyFile = key, PeerTrustedCaFile = cert }
                    : o with { PeerCertFile = foreignCert, PeerKeyFile = foreignKey, PeerTrustedCaFile = foreignCert },
                peerScheme: "https");
            Assert.All(cluster.Options, o => Assert.StartsWith("https://", o.PeerUrls[0], StringComparison.Ordinal));
            var leader = await TestCluster.LeaderOfAsync(cluster, cluster.Hosts[0]!, cluster.Hosts[1]!);
            await TestCluster.ProposeAsync(leader, "secret", "kept");
            await TestCluster.Eventually(async () => await TestCluster.ValueAsync(cluster.Hosts[0]!, "secret") == "kept" && await TestCluster.ValueAsync(cluster.Hosts[1]!, "secret") == "kept", "both members with the cluster's certificate hold the write");
            Assert.Equal(0ul, cluster.Hosts[2]!.Client.Status.LeaderId);
            Assert.Null(await TestCluster.ValueAsync(cluster.Hosts[2]!, "secret"));

            // The peer listener itself refuses a dialler whose certificate does not chain to its CA, or that shows none;
            // one with the cluster's certificate reaches the service (which refuses an empty hello).
            foreach (var (clientCert, clientKey) in new (string?, string?)[] { (foreignCert, foreignKey), (null, null), (cert, key) })
            {
                var handler = new SocketsHttpHandler();
                handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
                if (clientCert is not null)
                {
                    handler.SslOptions.ClientCertificates = [X509Certificate2.CreateFromPemFile(clientCert, clientKey)];
                }

                using var channel = GrpcChannel.ForAddress(cluster.Options[0].PeerUrls[0], new GrpcChannelOptions { HttpHandler = handler });
                using var call = new Peer.PeerClient(channel).Connect();
                var refused = await Assert.ThrowsAnyAsync<Exception>(async () =>
                {
                    await call.RequestStream.WriteAsync(new PeerFrame { Hello = new Hello() });
                    await call.ResponseStream.MoveNext(CancellationToken.None);
                });
                var reachedService = refused is RpcException { StatusCode: StatusCode.PermissionDenied };
                Assert.True(reachedService == (clientCert == cert), $"{clientCert ?? "no certificate"}: {refused.GetType().Name}: {refused.Message}");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<(string Cert, string Key)> SelfSignedAsync(string dir, string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=kernel-node-" + name, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var certFile = Path.Combine(dir, name + ".pem");
        var keyFile = Path.Combine(dir, name + ".key");
        await File.WriteAllTextAsync(certFile, certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(keyFile, key.ExportPkcs8PrivateKeyPem());
        return (certFile, keyFile);
    }

    [Fact]
    public void Proofs_depend_on_the_token_the_role_the_members_and_both_nonces()
    {
        var a = PeerAuthentication.Nonce();
        var b = PeerAuthentication.Nonce();
        Assert.NotEqual(a, b);
        var proof = PeerAuthentication.Proof("t", PeerAuthentication.Role.Dialler, 1, 2, 3, a, b);
        Assert.True(PeerAuthentication.Verify(proof, PeerAuthentication.Proof("t", PeerAuthentication.Role.Dialler, 1, 2, 3, a, b)));
        Assert.False(PeerAuthentication.Verify(proof, PeerAuthentication.Proof("u", PeerAuthentication.Role.Dialler, 1, 2, 3, a, b)));
        Assert.False(PeerAuthentication.Verify(proof, PeerAuthentication.Proof("t", PeerAuthentication.Role.Acceptor, 1, 2, 3, a, b)));
        Assert.False(PeerAuthentication.Verify(proof, PeerAuthentication.Proof("t", PeerAuthentication.Role.Dialler, 9, 2, 3, a, b)));
        Assert.False(PeerAuthentication.Verify(proof, PeerAuthentication.Proof("t", PeerAuthentication.Role.Dialler, 1, 3, 2, a, b)));
        Assert.False(PeerAuthentication.Verify(proof, PeerAuthentication.Proof("t", PeerAuthentication.Role.Dialler, 1, 2, 3, b, a)));
        Assert.False(PeerAuthentication.Verify(proof, []));
        Assert.False(PeerAuthentication.Verify(proof, proof.AsSpan(1)));
    }

    private static IEnumerable<string> Refusals(TestCluster cluster, string member) =>
        cluster.Logs.Lines
            .Where(l => l.Level >= LogLevel.Error && l.Message.StartsWith("Member " + member + " ", StringComparison.Ordinal)
                && (l.Message.Contains("wrong cluster token", StringComparison.Ordinal) || l.Message.Contains("refused", StringComparison.Ordinal)))
            .Select(l => l.Message);

    /// <summary>A real Raft message from <paramref name="from"/> to <paramref name="to"/> (a campaign's vote request), encoded.</summary>
    private static ByteString CampaignMessage(NodeId from, NodeId to)
    {
        var strategy = new RaftStrategy();
        var node = strategy.CreateNode(new ConsensusNodeOptions
        {
            Id = from,
            InitialMembership = new Membership([new NodeId(1), new NodeId(2), new NodeId(3)]),
            Recovered = RecoveredState.Empty,
            Random = new Random(7),
            Options = new ConfigurationBuilder().Build(),
        });
        for (var i = 0; i < 1000; i++)
        {
            node.Tick();
            if (!node.HasReady)
            {
                continue;
            }

            var ready = node.GetReady();
            if (ready.Messages.FirstOrDefault(m => m.To == to) is { } message)
            {
                var buffer = new ArrayBufferWriter<byte>();
                strategy.Codec.Encode(message, buffer);
                return ByteString.CopyFrom(buffer.WrittenSpan);
            }

            node.Advance(ready);
        }

        throw new InvalidOperationException("the node never campaigned");
    }
}
