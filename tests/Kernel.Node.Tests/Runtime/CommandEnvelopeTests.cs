using FsCheck.Xunit;

using Kernel.Node.Runtime;

namespace Kernel.Node.Tests.Runtime;

public sealed class CommandEnvelopeTests
{
    [Property]
    public bool Decoding_an_encoded_envelope_gives_it_back(bool barrier, ulong proposer, ulong incarnation, long requestId, byte[] command)
    {
        command ??= [];
        var envelope = new CommandEnvelope(barrier ? EnvelopeKind.ReadBarrier : EnvelopeKind.Command, proposer, incarnation, requestId, command);
        return CommandEnvelope.TryDecode(envelope.Encode(), out var decoded)
            && decoded.Kind == envelope.Kind && decoded.Proposer == proposer && decoded.Incarnation == incarnation
            && decoded.RequestId == requestId && decoded.Command.Span.SequenceEqual(command);
    }

    [Fact]
    public void What_is_not_an_envelope_is_not_taken_for_one()
    {
        Assert.False(CommandEnvelope.TryDecode(new byte[CommandEnvelope.HeaderSize - 1], out _));
        var wrongKind = new CommandEnvelope(EnvelopeKind.Command, 1, 2, 3, new byte[] { 9 }).Encode();
        wrongKind[0] = 7;
        Assert.False(CommandEnvelope.TryDecode(wrongKind, out _));
    }
}
