
namespace Kernel.Sdk.Testing.Linearizability;

/// <summary>
/// Linearizability checker: Wing &amp; Gong's search with Lowe's memoization of (linearized set, model state), the algorithm
/// of Porcupine's <c>checker.go</c>, with per-partition decomposition when the model defines <see cref="ILinearizabilityModel{TState,TInput,TOutput}.PartitionKey"/>.
/// Deterministic: partitions are checked one after another in order of first appearance.
/// </summary>
public static class LinearizabilityChecker
{
    /// <summary>Steps the plain search may take on one partition before it is redone with dominance pruning.</summary>
    private const long PlainSearchSteps = 2_000_000;

    /// <summary>For tests: search with dominance pruning from the start (on this thread), so both searches can be compared.</summary>
    [ThreadStatic]
    internal static bool DominanceFromTheStart;

    /// <summary>For tests (on this thread): which operations that leave the state unchanged the search skips, so the search
    /// with and without that rule (and a wrong version of it) can be compared.</summary>
    [ThreadStatic]
    internal static UnchangedStateRule UnchangedState;

    /// <summary>Checks <paramref name="history"/> against <paramref name="model"/>.</summary>
    /// <exception cref="ArgumentException">An operation returns before it is called.</exception>
    public static CheckResult Check<TState, TInput, TOutput>(
        ILinearizabilityModel<TState, TInput, TOutput> model,
        IReadOnlyList<Operation<TInput, TOutput>> history,
        CheckOptions? options = null)
        where TState : IEquatable<TState>
        => Check(model, history, options, sourceLines: null);

    internal static CheckResult Check<TState, TInput, TOutput>(
        ILinearizabilityModel<TState, TInput, TOutput> model,
        IReadOnlyList<Operation<TInput, TOutput>> history,
        CheckOptions? options,
        IReadOnlyList<int>? sourceLines)
        where TState : IEquatable<TState>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(history);
        options ??= CheckOptions.Unlimited;
        for (var i = 0; i < history.Count; i++)
        {
            if (history[i].Return < history[i].Call)
            {
                throw new ArgumentException($"Operation {i} returns ({history[i].Return}) before it is called ({history[i].Call}).", nameof(history));
            }
        }

        var partitions = Partition(model, history);
        for (var p = 0; p < partitions.Count; p++)
        {
            partitions[p] = (partitions[p].Key, Prune(model, history, partitions[p].Indexes));
        }

        var budget = new SearchBudget(options);
        var unknown = false;
        foreach (var (key, indexes) in partitions)
        {
            var ops = new Operation<TInput, TOutput>[indexes.Count];
            for (var i = 0; i < ops.Length; i++)
            {
                ops[i] = history[indexes[i]];
            }

            var search = new WglSearch<TState, TInput, TOutput>(model, ops);
            // The plain search first; a partition it cannot settle in a few million steps is searched again with the
            // pruning of configurations that used more unanswered operations (which costs more per step).
            var outcome = search.Run(budget, dominance: DominanceFromTheStart, stepCap: DominanceFromTheStart ? long.MaxValue : PlainSearchSteps);
            if (outcome == SearchOutcome.Escalate)
            {
                search = new WglSearch<TState, TInput, TOutput>(model, ops);
                outcome = search.Run(budget, dominance: true, stepCap: long.MaxValue);
            }

            if (outcome == SearchOutcome.NotLinearizable)
            {
                var cex = search.BuildCounterexample(key, indexes, sourceLines);
                return new CheckResult(Verdict.NotLinearizable, null, cex, budget.Steps, history.Count, partitions.Count);
            }

            if (outcome == SearchOutcome.OutOfBudget)
            {
                // A later partition may still prove a violation within what is left of the time budget only if steps remain;
                // once the budget is gone it stays gone, so stop here.
                unknown = true;
                break;
            }
        }

        return unknown
            ? new CheckResult(Verdict.Unknown, budget.Reason, null, budget.Steps, history.Count, partitions.Count)
            : new CheckResult(Verdict.Linearizable, null, null, budget.Steps, history.Count, partitions.Count);
    }

    /// <summary>
    /// Drops operations of unknown outcome that cannot matter, which keeps the search from trying every subset of them:
    /// those invoked after the last completed operation of the partition returned (each can take effect after everything
    /// observed, or never, so no linearization of the rest needs it), and reads (inputs the model says leave the state
    /// alone: they constrain nothing when their answer is unknown). Both keep the verdict exact.
    /// </summary>
    private static List<int> Prune<TState, TInput, TOutput>(
        ILinearizabilityModel<TState, TInput, TOutput> model, IReadOnlyList<Operation<TInput, TOutput>> history, List<int> indexes)
        where TState : IEquatable<TState>
    {
        var lastReturn = long.MinValue;
        foreach (var i in indexes)
        {
            if (history[i].Return != Operation<TInput, TOutput>.Pending)
            {
                lastReturn = Math.Max(lastReturn, history[i].Return);
            }
        }

        var reads = model as IReadOnlyInputs<TInput>;
        var kept = new List<int>(indexes.Count);
        foreach (var i in indexes)
        {
            var op = history[i];
            var pending = op.Return == Operation<TInput, TOutput>.Pending;
            if (pending && (op.Call > lastReturn || reads?.IsReadOnly(op.Input) == true))
            {
                continue;
            }

            kept.Add(i);
        }

        return kept;
    }

    private static List<(string? Key, List<int> Indexes)> Partition<TState, TInput, TOutput>(
        ILinearizabilityModel<TState, TInput, TOutput> model, IReadOnlyList<Operation<TInput, TOutput>> history)
        where TState : IEquatable<TState>
    {
        var result = new List<(string? Key, List<int> Indexes)>();
        var byKey = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        List<int>? unkeyed = null;
        for (var i = 0; i < history.Count; i++)
        {
            var key = model.PartitionKey(history[i].Input);
            List<int>? list;
            if (key is null)
            {
                if (unkeyed is null)
                {
                    unkeyed = [];
                    result.Add((null, unkeyed));
                }

                list = unkeyed;
            }
            else if (!byKey.TryGetValue(key, out list))
            {
                list = [];
                byKey.Add(key, list);
                result.Add((key, list));
            }

            list.Add(i);
        }

        return result;
    }
}

/// <summary>A model that can tell inputs that never change the state (reads), so unanswered ones can be left out.</summary>
internal interface IReadOnlyInputs<in TInput>
{
    bool IsReadOnly(TInput input);
}

/// <summary>Which operations that leave the model state unchanged the search skips; only the default is correct.</summary>
internal enum UnchangedStateRule
{
    /// <summary>Operations of unknown outcome (the rule).</summary>
    SkipPending,

    /// <summary>None (the plain search).</summary>
    Off,

    /// <summary>Wrong, for tests: completed ones too, which must be linearized whatever they do (a read changes nothing).</summary>
    WrongSkipAny,
}

internal enum SearchOutcome
{
    /// <summary>The plain search hit its own step cap (not the budget): search again with dominance pruning.</summary>
    Escalate,

    Linearizable,
    NotLinearizable,
    OutOfBudget,
}

/// <summary>Step and time budget shared by the partitions of one check.</summary>
internal sealed class SearchBudget
{
    private readonly long _maxSteps;
    private readonly TimeSpan? _maxTime;
    private readonly long _start;
    private readonly TimeProvider _clock;

    public SearchBudget(CheckOptions options)
    {
        _maxSteps = options.MaxSteps ?? long.MaxValue;
        _maxTime = options.TimeBudget;
        _clock = options.TimeProvider;
        _start = _clock.GetTimestamp();
    }

    public long Steps { get; set; }

    public long MaxSteps => _maxSteps;

    public string? Reason { get; private set; }

    /// <summary>True once the time budget is spent; <paramref name="steps"/> is the caller's running count (the search keeps it
    /// in a local and stores it into <see cref="Steps"/> only when it returns).</summary>
    public bool TimeUp(long steps)
    {
        if (_maxTime is not { } max || _clock.GetElapsedTime(_start) <= max)
        {
            return false;
        }

        Reason = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"time budget of {max.TotalSeconds:0.###} s exhausted after {steps} steps");
        return true;
    }

    public void StepsExhausted() => Reason = $"step budget of {_maxSteps} steps exhausted";
}

/// <summary>The search over one partition (Porcupine's <c>checkSingle</c>), on arrays instead of pointers.</summary>
internal sealed class WglSearch<TState, TInput, TOutput>
    where TState : IEquatable<TState>
{
    private readonly ILinearizabilityModel<TState, TInput, TOutput> _model;
    private readonly Operation<TInput, TOutput>[] _ops;
    private int[] _bestPrefix = [];
    private TState _bestState;

    public WglSearch(ILinearizabilityModel<TState, TInput, TOutput> model, Operation<TInput, TOutput>[] ops)
    {
        _model = model;
        _ops = ops;
        _bestState = model.Init();
    }

    public SearchOutcome Run(SearchBudget budget, bool dominance, long stepCap)
    {
        var ops = _ops;
        var n = ops.Length;
        if (n == 0)
        {
            return SearchOutcome.Linearizable;
        }

        // Entries: 2n events sorted by time, calls before returns at equal times (they overlap).
        var events = new long[2 * n];
        for (var i = 0; i < 2 * n; i++)
        {
            events[i] = i;
        }

        Array.Sort(events, (a, b) =>
        {
            var ta = (a & 1) == 0 ? ops[a >> 1].Call : ops[a >> 1].Return;
            var tb = (b & 1) == 0 ? ops[b >> 1].Call : ops[b >> 1].Return;
            if (ta != tb)
            {
                return ta < tb ? -1 : 1;
            }

            var ka = (int)(a & 1);
            var kb = (int)(b & 1);
            return ka != kb ? ka - kb : a.CompareTo(b);
        });

        // Doubly linked list over positions 1..2n; position 0 is the head sentinel; -1 is null.
        var size = 2 * n + 1;
        var next = new int[size];
        var prev = new int[size];
        var match = new int[size];
        var opAt = new int[size];
        var returnPos = new int[n];
        for (var p = 1; p < size; p++)
        {
            var e = events[p - 1];
            opAt[p] = (int)(e >> 1);
            if ((e & 1) == 1)
            {
                returnPos[opAt[p]] = p;
            }
        }

        for (var p = 0; p < size; p++)
        {
            next[p] = p + 1 < size ? p + 1 : -1;
            prev[p] = p - 1;
            match[p] = p > 0 && (events[p - 1] & 1) == 0 ? returnPos[opAt[p]] : -1;
        }

        var inputs = new TInput[n];
        var outputs = new TOutput[n];
        for (var i = 0; i < n; i++)
        {
            inputs[i] = ops[i].Input;
            outputs[i] = ops[i].Output;
        }

        var words = (n + 63) >> 6;
        var bits = new ulong[words];
        var zobrist = Zobrist(n);
        ulong bitsHash = 0;
        var cache = new StateCache<TState>(words);

        // Operations of unknown outcome (their return is at the end) never have to be linearized: the search succeeds
        // once every completed operation is. A configuration that has used more of them than another with the same
        // completed operations and the same state can then do nothing the other cannot, so it is pruned. Without this
        // the search tries every subset of them, which is what makes histories with many timed-out writes explode.
        var pendingMask = new ulong[words];
        var remaining = 0;
        for (var i = 0; i < n; i++)
        {
            if (ops[i].Return == Operation<TInput, TOutput>.Pending)
            {
                pendingMask[i >> 6] |= 1UL << i;
            }
            else
            {
                remaining++;
            }
        }

        var dominated = dominance && remaining < n ? new Dictionary<(ulong, TState), List<ulong[]>>() : null;
        var escalateAt = stepCap == long.MaxValue || remaining == n ? long.MaxValue : budget.Steps + stepCap;
        ulong completedHash = 0;
        var stackPos = new int[n];
        var stackState = new TState[n];
        var depth = 0;
        var bestDepth = 0;
        var model = _model;
        var state = model.Init();
        var steps = budget.Steps;
        var maxSteps = budget.MaxSteps;
        var entry = next[0];
        var unchangedRule = LinearizabilityChecker.UnchangedState;
        try
        {
            while (remaining > 0)
            {
                if (steps >= escalateAt)
                {
                    return SearchOutcome.Escalate;
                }

                if (++steps > maxSteps)
                {
                    budget.StepsExhausted();
                    return SearchOutcome.OutOfBudget;
                }

                if ((steps & 4095) == 0 && budget.TimeUp(steps))
                {
                    return SearchOutcome.OutOfBudget;
                }

                var m = match[entry];
                if (m >= 0)
                {
                    var op = opAt[entry];
                    var w = op >> 6;
                    var bit = 1UL << op;
                    var pendingOp = (pendingMask[w] & bit) != 0;
                    // An operation of unknown outcome that would leave the state as it is is never linearized: the
                    // configuration without it has the same completed operations and state and one more pending operation
                    // left, so it can do everything this one can (a completed operation must be linearized, so it is not
                    // skipped, whatever it does to the state).
                    if (model.Step(state, inputs[op], outputs[op], out var newState) && !(unchangedRule != UnchangedStateRule.Off && (pendingOp || unchangedRule == UnchangedStateRule.WrongSkipAny) && newState.Equals(state)))
                    {
                        bits[w] |= bit;
                        var newHash = bitsHash ^ zobrist[op];
                        var newCompletedHash = pendingOp ? completedHash : completedHash ^ zobrist[op];
                        if (cache.Add(newHash, bits, newState) && (dominated is null || NotDominated(dominated, newCompletedHash, newState, bits, pendingMask)))
                        {
                            completedHash = newCompletedHash;
                            remaining -= pendingOp ? 0 : 1;
                            stackPos[depth] = entry;
                            stackState[depth] = state;
                            depth++;
                            state = newState;
                            bitsHash = newHash;

                            // lift: unlink the call and its return.
                            next[prev[entry]] = next[entry];
                            prev[next[entry]] = prev[entry];
                            next[prev[m]] = next[m];
                            if (next[m] != -1)
                            {
                                prev[next[m]] = prev[m];
                            }

                            if (depth > bestDepth)
                            {
                                bestDepth = depth;
                                RecordBest(stackPos, opAt, depth, state);
                            }

                            entry = next[0];
                        }
                        else
                        {
                            bits[w] &= ~bit;
                            entry = next[entry];
                        }
                    }
                    else
                    {
                        entry = next[entry];
                    }
                }
                else
                {
                    if (depth == 0)
                    {
                        return SearchOutcome.NotLinearizable;
                    }

                    depth--;
                    entry = stackPos[depth];
                    state = stackState[depth];
                    var op = opAt[entry];
                    bits[op >> 6] &= ~(1UL << op);
                    bitsHash ^= zobrist[op];
                    if ((pendingMask[op >> 6] & (1UL << op)) == 0)
                    {
                        completedHash ^= zobrist[op];
                        remaining++;
                    }

                    // unlift: relink the return, then the call.
                    var r = match[entry];
                    next[prev[r]] = r;
                    if (next[r] != -1)
                    {
                        prev[next[r]] = r;
                    }

                    next[prev[entry]] = entry;
                    prev[next[entry]] = entry;
                    entry = next[entry];
                }
            }

            return SearchOutcome.Linearizable;
        }
        finally
        {
            budget.Steps = steps;
        }
    }

    /// <summary>
    /// False when a configuration with the same completed operations and state, having used a subset of the pending ones
    /// used here, was seen; otherwise records this one.
    /// </summary>
    private static bool NotDominated(Dictionary<(ulong, TState), List<ulong[]>> seen, ulong completedHash, TState state, ulong[] bits, ulong[] pendingMask)
    {
        if (!seen.TryGetValue((completedHash, state), out var list))
        {
            seen[(completedHash, state)] = [(ulong[])bits.Clone()];
            return true;
        }

        foreach (var other in list)
        {
            var dominated = true;
            for (var w = 0; w < bits.Length && dominated; w++)
            {
                dominated = (bits[w] & ~pendingMask[w]) == (other[w] & ~pendingMask[w])
                    && (other[w] & pendingMask[w] & ~bits[w]) == 0;
            }

            if (dominated)
            {
                return false;
            }
        }

        // A few per key catch most of what dominance prunes; a longer list costs more to scan than it saves.
        list.Add((ulong[])bits.Clone());
        return true;
    }

    private void RecordBest(int[] stackPos, int[] opAt, int depth, TState state)
    {
        if (_bestPrefix.Length < depth)
        {
            _bestPrefix = new int[_ops.Length];
        }

        for (var i = 0; i < depth; i++)
        {
            _bestPrefix[i] = opAt[stackPos[i]];
        }

        _bestLength = depth;
        _bestState = state;
    }

    private int _bestLength;

    public Counterexample BuildCounterexample(string? key, List<int> globalIndexes, IReadOnlyList<int>? sourceLines)
    {
        var prefix = new List<CounterexampleOperation>(_bestLength);
        var done = new bool[_ops.Length];
        for (var i = 0; i < _bestLength; i++)
        {
            var op = _bestPrefix[i];
            done[op] = true;
            prefix.Add(Describe(op, globalIndexes, sourceLines));
        }

        // Candidates to come next: remaining operations invoked no later than the earliest remaining return.
        var minReturn = long.MaxValue;
        for (var i = 0; i < _ops.Length; i++)
        {
            if (!done[i] && _ops[i].Return < minReturn)
            {
                minReturn = _ops[i].Return;
            }
        }

        var blocked = new List<CounterexampleOperation>();
        for (var i = 0; i < _ops.Length; i++)
        {
            if (!done[i] && _ops[i].Call <= minReturn)
            {
                blocked.Add(Describe(i, globalIndexes, sourceLines));
            }
        }

        blocked.Sort((a, b) => a.Call.CompareTo(b.Call));
        return new Counterexample(key, _ops.Length, prefix, _model.DescribeState(_bestState), blocked);
    }

    private CounterexampleOperation Describe(int op, List<int> globalIndexes, IReadOnlyList<int>? sourceLines)
    {
        var o = _ops[op];
        var index = globalIndexes[op];
        return new CounterexampleOperation(
            index,
            o.ClientId,
            _model.DescribeOperation(o.Input, o.Output),
            o.Call,
            o.Return == Operation<TInput, TOutput>.Pending ? null : o.Return,
            sourceLines is null ? null : sourceLines[index]);
    }

    private static ulong[] Zobrist(int n)
    {
        var z = new ulong[n];
        var x = 0x2545F4914F6CDD1DUL;
        for (var i = 0; i < n; i++)
        {
            // splitmix64: fixed seed, deterministic.
            x += 0x9E3779B97F4A7C15UL;
            var v = x;
            v = (v ^ (v >> 30)) * 0xBF58476D1CE4E5B9UL;
            v = (v ^ (v >> 27)) * 0x94D049BB133111EBUL;
            z[i] = v ^ (v >> 31);
        }

        return z;
    }
}

/// <summary>
/// Lowe's memo of visited (linearized set, state) pairs: an open-addressing hash set whose bitsets live in one arena.
/// </summary>
internal sealed class StateCache<TState>
    where TState : IEquatable<TState>
{
    private readonly int _words;
    private int[] _table;
    private int _shift;
    private ulong[] _hashes;
    private TState[] _states;
    private ulong[] _bits;
    private int _count;

    public StateCache(int words)
    {
        _words = words;
        _table = new int[1024];
        _shift = 64 - 10;
        _hashes = new ulong[512];
        _states = new TState[512];
        _bits = new ulong[512 * words];
    }

    public int Count => _count;

    /// <summary>Adds the pair; false when it was already present.</summary>
    public bool Add(ulong bitsHash, ulong[] bits, TState state)
    {
        var h = Mix(bitsHash ^ ((ulong)(uint)state.GetHashCode() * 0x9E3779B97F4A7C15UL));
        var mask = _table.Length - 1;
        var i = (int)(h >> _shift);
        var words = _words;
        while (true)
        {
            var e = _table[i] - 1;
            if (e < 0)
            {
                break;
            }

            if (_hashes[e] == h && BitsEqual(e, bits, words) && _states[e].Equals(state))
            {
                return false;
            }

            i = (i + 1) & mask;
        }

        if (_count == _hashes.Length)
        {
            var cap = _count * 2;
            Array.Resize(ref _hashes, cap);
            Array.Resize(ref _states, cap);
            Array.Resize(ref _bits, cap * words);
        }

        var idx = _count++;
        _hashes[idx] = h;
        _states[idx] = state;
        Array.Copy(bits, 0, _bits, idx * words, words);
        if (_count * 2 > _table.Length)
        {
            Grow();
        }
        else
        {
            _table[i] = idx + 1;
        }

        return true;
    }

    private bool BitsEqual(int e, ulong[] bits, int words)
    {
        var offset = e * words;
        for (var w = 0; w < words; w++)
        {
            if (_bits[offset + w] != bits[w])
            {
                return false;
            }
        }

        return true;
    }

    private void Grow()
    {
        _table = new int[_table.Length * 2];
        _shift--;
        var mask = _table.Length - 1;
        for (var e = 0; e < _count; e++)
        {
            var i = (int)(_hashes[e] >> _shift);
            while (_table[i] != 0)
            {
                i = (i + 1) & mask;
            }

            _table[i] = e + 1;
        }
    }

    private static ulong Mix(ulong v)
    {
        v = (v ^ (v >> 33)) * 0xFF51AFD7ED558CCDUL;
        v = (v ^ (v >> 33)) * 0xC4CEB9FE1A85EC53UL;
        return v ^ (v >> 33);
    }
}
