using Kernel.Sdk.Testing.Linearizability.Parsing;

namespace Kernel.Sdk.Testing.Linearizability;

/// <summary>Kind of a history event (Jepsen's <c>:type</c>).</summary>
internal enum HistoryEventType
{
    /// <summary>The operation starts.</summary>
    Invoke,

    /// <summary>The operation completed successfully.</summary>
    Ok,

    /// <summary>The operation completed with a definite negative answer (see the model for what that means).</summary>
    Fail,

    /// <summary>The outcome is unknown (timeout, crash): it may have taken effect at any point after the invoke, or never.</summary>
    Info,
}

/// <summary>
/// A recorded concurrent history: a sequence of invoke/ok/fail/info events in real-time order, read from a file
/// (<see cref="HistoryCheck.Load"/>) or built in memory (<see cref="HistoryBuilder"/>). Check it with a named model
/// (<see cref="HistoryModel.Check"/>), or save it with <see cref="JsonLinesHistory.Write"/>.
/// </summary>
public sealed class History
{
    internal History(IReadOnlyList<HistoryEvent> events, string? source)
    {
        Events = events;
        Source = source;
    }

    /// <summary>Where the history came from (a file path), if anywhere.</summary>
    public string? Source { get; }

    /// <summary>Number of events.</summary>
    public int EventCount => Events.Count;

    internal IReadOnlyList<HistoryEvent> Events { get; }
}

/// <summary>
/// One event. <see cref="Value"/> is an EDN/JSON-like value: null, <see cref="long"/>, <see cref="string"/>, <see cref="bool"/>,
/// <see cref="Keyword"/>, <see cref="EdnList"/> (e.g. a cas [old new] or a transaction).
/// </summary>
internal readonly record struct HistoryEvent(int Process, HistoryEventType Type, string F, string? Key, object? Value, int Line, int Column, long? Time = null);

/// <summary>
/// Builds a <see cref="History"/> in memory, event by event, in real-time order (the simulator calls it as things happen).
/// Operation names and values follow the JSON Lines format (see <see cref="JsonLinesHistory"/>): <c>get</c>, <c>put</c>,
/// <c>append</c>, <c>cas</c> on string keys and values (null = absent); <c>read</c>/<c>write</c> are accepted for registers.
/// </summary>
public sealed class HistoryBuilder
{
    private readonly List<HistoryEvent> _events = [];
    private readonly Dictionary<int, HistoryEvent> _pending = [];

    /// <summary>Records that <paramref name="process"/> invokes <paramref name="f"/> on <paramref name="key"/> with <paramref name="value"/>.</summary>
    /// <exception cref="InvalidOperationException">The process already has an operation in flight.</exception>
    public HistoryBuilder Invoke(int process, string f, string? key, string? value = null, long? time = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        return Add(new HistoryEvent(process, HistoryEventType.Invoke, f, key, value, _events.Count + 1, 0, time));
    }

    /// <summary>Records that <paramref name="process"/> invokes <c>cas(key, expected, replacement)</c>.</summary>
    public HistoryBuilder InvokeCas(int process, string? key, string? expected, string? replacement, long? time = null) =>
        Add(new HistoryEvent(process, HistoryEventType.Invoke, "cas", key, new EdnList([expected, replacement], true), _events.Count + 1, 0, time));

    /// <summary>
    /// Records that the process's pending operation succeeded. For <c>get</c>/<c>read</c>, <paramref name="value"/> is the value
    /// read (null = absent); for other operations it is ignored and the invoke's value is repeated.
    /// For <c>cas</c>, ok means the swap happened.
    /// </summary>
    public HistoryBuilder Ok(int process, string? value = null, long? time = null)
    {
        var invoke = Pending(process);
        var v = invoke.F is "get" or "read" ? value : invoke.Value;
        return Add(invoke with { Type = HistoryEventType.Ok, Value = v, Line = _events.Count + 1, Time = time });
    }

    /// <summary>
    /// Records a definite failure of the process's pending operation. For <c>cas</c> this means the comparison failed (the
    /// operation observed a value different from the expected one); for the other operations that it did not take effect.
    /// </summary>
    public HistoryBuilder Fail(int process, long? time = null)
    {
        var invoke = Pending(process);
        return Add(invoke with { Type = HistoryEventType.Fail, Line = _events.Count + 1, Time = time });
    }

    /// <summary>Records that the outcome of the process's pending operation is unknown (it may or may not have taken effect).</summary>
    public HistoryBuilder Info(int process, long? time = null)
    {
        var invoke = Pending(process);
        return Add(invoke with { Type = HistoryEventType.Info, Line = _events.Count + 1, Time = time });
    }

    /// <summary>Number of events recorded so far.</summary>
    public int EventCount => _events.Count;

    /// <summary>The history recorded so far (operations still in flight count as unknown outcomes when checked).</summary>
    public History Build() => new([.. _events], null);

    private HistoryEvent Pending(int process) =>
        _pending.TryGetValue(process, out var invoke)
            ? invoke
            : throw new InvalidOperationException($"Process {process} has no operation in flight.");

    private HistoryBuilder Add(HistoryEvent e)
    {
        if (e.Type == HistoryEventType.Invoke)
        {
            if (!_pending.TryAdd(e.Process, e))
            {
                throw new InvalidOperationException($"Process {e.Process} already has an operation in flight ({_pending[e.Process].F}).");
            }
        }
        else
        {
            _pending.Remove(e.Process);
        }

        _events.Add(e);
        return this;
    }
}

/// <summary>A history file could not be read: says which file, line and column, and what was expected.</summary>
public sealed class HistoryParseException : Exception
{
    /// <summary>Creates the exception.</summary>
    public HistoryParseException(string file, int line, int column, string message)
        : base(column > 0 ? $"{file}:{line}:{column}: {message}" : $"{file}:{line}: {message}")
    {
        File = file;
        Line = line;
        Column = column;
        Detail = message;
    }

    /// <summary>The file (or source name).</summary>
    public string File { get; }

    /// <summary>1-based line.</summary>
    public int Line { get; }

    /// <summary>1-based column, 0 when not meaningful.</summary>
    public int Column { get; }

    /// <summary>The message without the location.</summary>
    public string Detail { get; }
}

/// <summary>How an invoke was completed.</summary>
internal enum Outcome
{
    Ok,
    Fail,
    Unknown,
}

/// <summary>An invoke paired with its completion (Jepsen/knossos pairing rules).</summary>
internal readonly record struct PairedOp(int Process, string F, string? Key, object? Input, object? Output, Outcome Outcome, long Call, long Return, int Line, int Column);

internal static class Pairing
{
    /// <summary>
    /// Pairs each invoke with the next completion of the same process. An info completion or a missing completion gives an
    /// unknown outcome (return = <see cref="Operation{TInput,TOutput}.Pending"/>, value = the invoke's value); a completion
    /// without a pending invoke is ignored when it is info (nemesis events) and an error otherwise.
    /// </summary>
    public static List<PairedOp> Pair(History history)
    {
        var source = history.Source ?? "history";
        var ops = new List<PairedOp>();
        var pending = new Dictionary<int, (HistoryEvent Event, long Index)>();
        var events = history.Events;
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            if (e.Type == HistoryEventType.Invoke)
            {
                if (pending.TryGetValue(e.Process, out var previous))
                {
                    throw new HistoryParseException(source, e.Line, e.Column,
                        $"process {e.Process} invokes {e.F} while its {previous.Event.F} from line {previous.Event.Line} has not completed (expected a completion first)");
                }

                pending[e.Process] = (e, i);
                continue;
            }

            if (!pending.Remove(e.Process, out var inv))
            {
                if (e.Type == HistoryEventType.Info)
                {
                    continue;
                }

                throw new HistoryParseException(source, e.Line, e.Column,
                    $"':{e.Type.ToString().ToLowerInvariant()}' for process {e.Process} has no pending invoke (expected an ':invoke' first)");
            }

            var inv0 = inv.Event;
            ops.Add(e.Type switch
            {
                HistoryEventType.Ok => new PairedOp(e.Process, inv0.F, inv0.Key, inv0.Value, e.Value, Outcome.Ok, inv.Index, i, inv0.Line, inv0.Column),
                HistoryEventType.Fail => new PairedOp(e.Process, inv0.F, inv0.Key, inv0.Value, e.Value, Outcome.Fail, inv.Index, i, inv0.Line, inv0.Column),
                _ => new PairedOp(e.Process, inv0.F, inv0.Key, inv0.Value, inv0.Value, Outcome.Unknown, inv.Index, Operation<object, object>.Pending, inv0.Line, inv0.Column),
            });
        }

        foreach (var (process, inv) in pending.OrderBy(p => p.Value.Index))
        {
            var e = inv.Event;
            ops.Add(new PairedOp(process, e.F, e.Key, e.Value, e.Value, Outcome.Unknown, inv.Index, Operation<object, object>.Pending, e.Line, e.Column));
        }

        return ops;
    }
}
