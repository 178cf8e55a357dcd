using Grpc.Core;

using Kernel.Node.Transport.Protocol;

namespace Kernel.Node.Transport;

/// <summary>The gRPC service peers dial (mapped on the member's peer listener only).</summary>
internal sealed class PeerService(PeerTransport transport) : Peer.PeerBase
{
    /// <inheritdoc />
    public override Task Connect(IAsyncStreamReader<PeerFrame> requestStream, IServerStreamWriter<PeerFrame> responseStream, ServerCallContext context) =>
        transport.AcceptAsync(requestStream, responseStream, context);
}
