using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Text;

namespace Kernel.Sdk.Testing.Simulation;

/// <summary>What an event of the trace is.</summary>
internal enum TraceKind : byte
{
    Send = 1,
    Deliver = 2,
    Drop = 3,
    Tick = 4,
    Crash = 5,
    Restart = 6,
    Pause = 7,
    Resume = 8,
    Partition = 9,
    Invoke = 10,
    Complete = 11,
    Apply = 12,
    Nemesis = 13,
    Violation = 14,
    Propose = 15,
    Membership = 16,
    Transfer = 17,
}

/// <summary>
/// The run's event trace: every event is folded into a 128-bit XxHash3 (a compact binary record, cheap enough to keep on
/// always; the hash tells runs apart, it does not need to resist an adversary) and, when a writer is given, printed as one line: virtual time in microseconds, node, kind, details.
/// </summary>
internal sealed class TraceRecorder
{
    private readonly XxHash128 _hash = new();
    private readonly byte[] _buffer = new byte[8192];
    private readonly TextWriter? _text;
    private int _used;

    public TraceRecorder(TextWriter? text) => _text = text;

    public bool TextEnabled => _text is not null;

    public long Events { get; private set; }

    public void Record(long time, TraceKind kind, int node, long a, long b, ReadOnlySpan<byte> data = default)
    {
        Events++;
        if (_used + 29 + 8 > _buffer.Length)
        {
            Flush();
        }

        var span = _buffer.AsSpan(_used);
        BinaryPrimitives.WriteInt64LittleEndian(span, time);
        span[8] = (byte)kind;
        BinaryPrimitives.WriteInt32LittleEndian(span[9..], node);
        BinaryPrimitives.WriteInt64LittleEndian(span[13..], a);
        BinaryPrimitives.WriteInt64LittleEndian(span[21..], b);
        BinaryPrimitives.WriteInt32LittleEndian(span[29..], data.Length);
        _used += 33;
        if (!data.IsEmpty)
        {
            if (data.Length > _buffer.Length - _used)
            {
                Flush();
                _hash.Append(data);
            }
            else
            {
                data.CopyTo(_buffer.AsSpan(_used));
                _used += data.Length;
            }
        }
    }

    public void Record(long time, TraceKind kind, int node, string text)
    {
        Record(time, kind, node, 0, 0, Encoding.UTF8.GetBytes(text));
        Line(time, kind, node, text);
    }

    public void Line(long time, TraceKind kind, int node, string details)
    {
        if (_text is null)
        {
            return;
        }

        _text.Write(time.ToString(CultureInfo.InvariantCulture));
        _text.Write(node > 0 ? " n" + node.ToString(CultureInfo.InvariantCulture) : " --");
        _text.Write(' ');
        _text.Write(KindName(kind));
        _text.Write(' ');
        _text.WriteLine(details);
    }

    /// <summary>The hash of everything recorded so far, as lower-case hex.</summary>
    public string Hash()
    {
        Flush();
        return Convert.ToHexStringLower(_hash.GetCurrentHash());
    }

    private void Flush()
    {
        if (_used > 0)
        {
            _hash.Append(_buffer.AsSpan(0, _used));
            _used = 0;
        }
    }

    private static string KindName(TraceKind kind) => kind switch
    {
        TraceKind.Send => "send",
        TraceKind.Deliver => "deliver",
        TraceKind.Drop => "drop",
        TraceKind.Tick => "tick",
        TraceKind.Crash => "crash",
        TraceKind.Restart => "restart",
        TraceKind.Pause => "pause",
        TraceKind.Resume => "resume",
        TraceKind.Partition => "network",
        TraceKind.Invoke => "invoke",
        TraceKind.Complete => "complete",
        TraceKind.Apply => "apply",
        TraceKind.Nemesis => "nemesis",
        TraceKind.Violation => "VIOLATION",
        TraceKind.Propose => "propose",
        TraceKind.Membership => "membership",
        TraceKind.Transfer => "transfer",
        _ => "?",
    };
}
