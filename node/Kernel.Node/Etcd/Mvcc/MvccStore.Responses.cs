using System.Buffers;
using System.Text;

using Google.Protobuf;
using Google.Protobuf.Reflection;

using Kernel.Node.Etcd.Protos;
using Kernel.Node.Runtime;
using Kernel.Storage.Codec;

namespace Kernel.Node.Etcd.Mvcc;

/// <summary>
/// The store's responses as bytes, for replicas that reply to a gateway (PBFT): a kind byte, then an
/// <see cref="EtcdError"/>'s status code and message, or the protobuf encoding of one of etcd's response messages
/// (canonical: the header holds the revision only, the member-specific fields are added by the API afterwards).
/// </summary>
internal sealed partial class MvccStore : IResponseCodec
{
    private const byte NoResponse = 0;
    private const byte Error = 1;

    /// <summary>The response messages <see cref="Apply"/> returns, by their kind byte (2 onwards).</summary>
    private static readonly MessageDescriptor[] Kinds =
    [
        PutResponse.Descriptor,
        DeleteRangeResponse.Descriptor,
        TxnResponse.Descriptor,
        CompactionResponse.Descriptor,
        LeaseGrantResponse.Descriptor,
        LeaseRevokeResponse.Descriptor,
        LeaseKeepAliveResponse.Descriptor,
        RangeResponse.Descriptor,
    ];

    /// <inheritdoc />
    public byte[] EncodeResponse(object? response)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var output = new BinaryOut(buffer);
        switch (response)
        {
            case null:
                output.Byte(NoResponse);
                break;
            case EtcdError error:
                output.Byte(Error);
                output.Int((int)error.Code);
                output.Bytes(Encoding.UTF8.GetBytes(error.Message));
                break;
            case IMessage message when Array.IndexOf(Kinds, message.Descriptor) is var kind and >= 0:
                output.Byte((byte)(kind + 2));
                output.Bytes(message.ToByteArray());
                break;
            default:
                throw new InvalidOperationException($"The store returned a response it cannot encode: {response.GetType().Name}.");
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <inheritdoc />
    public object? DecodeResponse(ReadOnlySpan<byte> bytes)
    {
        var input = new BinaryIn(bytes);
        var kind = input.Byte();
        object? response;
        switch (kind)
        {
            case NoResponse:
                response = null;
                break;
            case Error:
                var code = (Grpc.Core.StatusCode)input.Int();
                response = new EtcdError(code, Encoding.UTF8.GetString(input.BytesSpan()));
                break;
            case var k when k - 2 < Kinds.Length:
                try
                {
                    response = Kinds[k - 2].Parser.ParseFrom(input.BytesSpan());
                }
                catch (InvalidProtocolBufferException ex)
                {
                    throw new FormatException("A response message does not parse: " + ex.Message, ex);
                }

                break;
            default:
                throw new FormatException($"Unknown response kind {kind}.");
        }

        input.End();
        return response;
    }
}
