using System.Globalization;
using System.Text;

namespace Kernel.Sdk.Testing.Verification;

/// <summary>A trace line the report keeps: virtual time (µs), node index (0: the cluster), kind and details.</summary>
internal readonly record struct ReportEvent(long Time, int Node, string Kind, string Details);

/// <summary>
/// The text trace of one seed, as the simulator prints it (see <c>TraceRecorder.Line</c>), read line by line for the
/// HTML report: forwards everything to the trace file when one is written, and keeps only what the report draws: faults
/// (network, crash, restart, pause, resume, nemesis notes, clock drift, membership changes), violations, the leader
/// seen per term (from accepted proposals) and the node each client operation was sent to.
/// </summary>
internal sealed class ReportTrace : TextWriter
{
    /// <summary>Where every line also goes (the trace file), if anywhere.</summary>
    public TextWriter? Inner { get; set; }

    private readonly StringBuilder _line = new();
    private readonly Dictionary<int, long> _lastTerm = [];

    public override Encoding Encoding => Encoding.UTF8;

    /// <summary>Fault, nemesis, membership and violation lines, in trace order.</summary>
    public List<ReportEvent> Events { get; } = [];

    /// <summary>(time, node, term) whenever a node is first seen accepting proposals in a term.</summary>
    public List<(long Time, int Node, long Term)> Leaders { get; } = [];

    /// <summary>The node an operation went to, by (client process, invoke time).</summary>
    public Dictionary<(int Process, long Time), int> InvokedAt { get; } = [];

    /// <summary>Why an operation completed as it did (timeout, refused...), by (client process, completion time), when the trace says.</summary>
    public Dictionary<(int Process, long Time), string> CompletedWhy { get; } = [];

    /// <summary>The linearizability check of the seed, when one ran (set by the verifier).</summary>
    public Linearizability.CheckResult? Check { get; set; }

    public override void Write(char value)
    {
        Inner?.Write(value);
        if (value == '\n')
        {
            EndLine();
        }
        else if (value != '\r')
        {
            _line.Append(value);
        }
    }

    public override void Write(string? value)
    {
        Inner?.Write(value);
        if (value is null)
        {
            return;
        }

        var start = 0;
        while (true)
        {
            var nl = value.IndexOf('\n', start);
            if (nl < 0)
            {
                _line.Append(value, start, value.Length - start);
                return;
            }

            var end = nl > start && value[nl - 1] == '\r' ? nl - 1 : nl;
            _line.Append(value, start, end - start);
            EndLine();
            start = nl + 1;
        }
    }

    public override void WriteLine(string? value)
    {
        Write(value);
        Write('\n');
    }

    public override void WriteLine() => Write('\n');

    public override void Flush() => Inner?.Flush();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Inner?.Dispose();
        }

        base.Dispose(disposing);
    }

    private void EndLine()
    {
        var line = _line.ToString();
        _line.Clear();
        Parse(line);
    }

    /// <summary>Reads one line: <c>TIME nX|-- KIND DETAILS</c>.</summary>
    private void Parse(string line)
    {
        var a = line.IndexOf(' ', StringComparison.Ordinal);
        if (a <= 0 || !long.TryParse(line.AsSpan(0, a), NumberStyles.None, CultureInfo.InvariantCulture, out var time))
        {
            return;
        }

        var b = line.IndexOf(' ', a + 1);
        if (b < 0)
        {
            return;
        }

        var nodeText = line.AsSpan(a + 1, b - a - 1);
        var node = nodeText.Length > 1 && nodeText[0] == 'n' && int.TryParse(nodeText[1..], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
        var c = line.IndexOf(' ', b + 1);
        var kind = c < 0 ? line[(b + 1)..] : line[(b + 1)..c];
        var details = c < 0 ? "" : line[(c + 1)..];
        switch (kind)
        {
            case "deliver" or "send" or "tick" or "apply" or "drop":
                return;
            case "propose":
                // "accepted index I term T": the node leads term T.
                const string marker = " term ";
                var t = details.LastIndexOf(marker, StringComparison.Ordinal);
                if (details.StartsWith("accepted", StringComparison.Ordinal) && t > 0
                    && long.TryParse(details.AsSpan(t + marker.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var term)
                    && (!_lastTerm.TryGetValue(node, out var last) || last != term))
                {
                    _lastTerm[node] = term;
                    Leaders.Add((time, node, term));
                }

                return;
            case "invoke" or "complete":
                // "client P #SEQ ...": the operation's node, and why it completed as it did.
                if (details.StartsWith("client ", StringComparison.Ordinal))
                {
                    var sp = details.IndexOf(' ', 7);
                    if (sp > 7 && int.TryParse(details.AsSpan(7, sp - 7), NumberStyles.None, CultureInfo.InvariantCulture, out var process))
                    {
                        if (kind == "invoke")
                        {
                            InvokedAt[(process, time)] = node;
                        }
                        else if (details.EndsWith(')') && details.LastIndexOf(" (", StringComparison.Ordinal) is var open and > 0)
                        {
                            CompletedWhy[(process, time)] = details[(open + 2)..^1];
                        }
                    }
                }

                return;
            default:
                Events.Add(new ReportEvent(time, node, kind, details));
                return;
        }
    }
}
