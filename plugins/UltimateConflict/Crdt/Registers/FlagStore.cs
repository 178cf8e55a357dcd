using Kernel.Sdk.Cluster;
using Kernel.Sdk.Crdt;
using UltimateConflict.Crdt.Causal;
using UltimateConflict.Crdt.Shared;

namespace UltimateConflict.Crdt.Registers;

/// <summary>
/// A flag as two dot sets, the enables and the disables not yet overwritten: each enable or disable gets a dot and
/// overwrites every enable and disable it saw. The flag is on when an enable survives; with disable-wins, only when an
/// enable survives and no disable does. So a lone enable or disable decides, and concurrent ones are resolved by the
/// rule (riak_dt's od_flag is the enable-wins flag).
/// </summary>
internal sealed class FlagStore : IDotStore<FlagStore>
{
    private readonly Dot[] _enables;
    private readonly Dot[] _disables;

    private FlagStore(Dot[] enables, Dot[] disables)
    {
        _enables = enables;
        _disables = disables;
    }

    public static FlagStore Bottom { get; } = new([], []);

    public static string TypeName => "flag";

    public FieldKind Kind => FieldKind.Flag;

    public bool IsBottom => _enables.Length == 0 && _disables.Length == 0;

    /// <summary>The flag's value under the given rule.</summary>
    public bool Value(bool disableWins) => _enables.Length > 0 && !(disableWins && _disables.Length > 0);

    public FlagStore Join(FlagStore other, CausalContext mine, CausalContext theirs)
    {
        var enables = Contexts.Join(_enables, other._enables, mine, theirs);
        var disables = Contexts.Join(_disables, other._disables, mine, theirs);
        return ReferenceEquals(enables, _enables) && ReferenceEquals(disables, _disables) ? this : new FlagStore(enables, disables);
    }

    public IDotStore JoinStore(IDotStore other, CausalContext mine, CausalContext theirs) => Join((FlagStore)other, mine, theirs);

    public bool SameAs(IDotStore other) =>
        other is FlagStore flag && _enables.AsSpan().SequenceEqual(flag._enables) && _disables.AsSpan().SequenceEqual(flag._disables);

    public IDotStore MapDots(Func<Dot, Dot?> map) =>
        new FlagStore([.. _enables.Select(map).OfType<Dot>().Order()], [.. _disables.Select(map).OfType<Dot>().Order()]);

    public void CollectDots(List<Dot> into)
    {
        into.AddRange(_enables);
        into.AddRange(_disables);
    }

    public IDotStore MutateStore(CausalContext context, NodeId replica, string operation, CausalSettings settings, int depth, List<Dot> seen)
    {
        var enable = operation switch
        {
            "enable" => true,
            "disable" => false,
            _ => throw Operation.Unknown(settings.Type, operation, "enable, disable"),
        };
        CollectDots(seen);
        var dot = context.Next(replica);
        seen.Add(dot);
        return enable ? new FlagStore([dot], []) : new FlagStore([], [dot]);
    }

    public string Read(CausalSettings settings) => Value(settings.DisableWins) ? "true" : "false";

    public void EncodeStore(CrdtWriter writer)
    {
        CrdtFormat.WriteDots(writer, _enables);
        CrdtFormat.WriteDots(writer, _disables);
    }

    public static FlagStore DecodeStore(ref CrdtReader reader, CausalContext context, int depth)
    {
        var enables = CrdtFormat.ReadDots(ref reader, context, TypeName, allowEmpty: true);
        var disables = CrdtFormat.ReadDots(ref reader, context, TypeName, allowEmpty: true);
        return enables.Length == 0 && disables.Length == 0 ? Bottom : new FlagStore(enables, disables);
    }
}
