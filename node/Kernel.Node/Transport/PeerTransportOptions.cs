using System.Security.Cryptography.X509Certificates;

namespace Kernel.Node.Transport;

/// <summary>The peer transport's settings.</summary>
internal sealed record PeerTransportOptions
{
    /// <summary>The name of the resilience pipeline (the kernel's <c>resilience</c> section) that connects to a peer: <c>node-peer</c>.</summary>
    public const string DefaultPipelineName = "node-peer";

    /// <summary>The cluster token every member shares (etcd's <c>--initial-cluster-token</c>); the HMAC key of the challenge at connect.</summary>
    public required string Token { get; init; }

    /// <summary>The pipeline to take from the kernel's provider when it has one by this name; otherwise Polly's retry and timeout defaults.</summary>
    public string PipelineName { get; init; } = DefaultPipelineName;

    /// <summary>How long one connection attempt (connect and both challenges) may take before it is retried; default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Encoded messages queued per connected peer while it is slow; the oldest are dropped beyond (the protocol resends). Default 4096.</summary>
    public int QueueCapacity { get; init; } = 4096;

    /// <summary>Bytes of encoded messages queued per connected peer; a message past it is dropped. Default 64 MiB.</summary>
    public long QueueBytes { get; init; } = 64L << 20;

    /// <summary>How often the dialling side pings its peer to measure the round trip (<c>kernel.node.peer.round_trip</c>); zero: never. Default 1 s.</summary>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The certificate this member presents to peers over https (mutual TLS); null: none.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>The certificates a peer's server certificate must chain to over https; null: the system's trust store.</summary>
    public X509Certificate2Collection? TrustedPeerCertificates { get; init; }
}
