using Kernel.Sdk.Cluster;
using Kernel.Sdk.Crdt;
using UltimateConflict.Crdt.Causal;
using UltimateConflict.Crdt.Counters;
using UltimateConflict.Crdt.Registers;
using UltimateConflict.Crdt.Sets;
using UltimateConflict.Crdt.Shared;

namespace UltimateConflict.Crdt.Maps;

/// <summary>
/// An observed-remove map of named, typed fields (riak_dt's map): each field is a dot store of its kind (counter, set,
/// register, flag, or a nested map) sharing the map's causal context. A field is present while its store holds a dot.
/// Removing a field overwrites the dots the remover saw; an update the remover had not seen keeps its dots, so the field
/// stays with just what the remover missed (add or update wins over a concurrent remove; the removed part is gone).
/// </summary>
internal sealed class MapStore : IDotStore<MapStore>
{
    private static readonly string Accepted = "update KIND NAME OPERATION, remove KIND NAME (KIND: counter, set, register, flag, map)";
    private readonly Field[] _fields;

    private MapStore(Field[] fields) => _fields = fields;

    public static MapStore Bottom { get; } = new([]);

    public static string TypeName => "or-map";

    public FieldKind Kind => FieldKind.Map;

    public bool IsBottom => _fields.Length == 0;

    public MapStore Join(MapStore other, CausalContext mine, CausalContext theirs)
    {
        if (ReferenceEquals(this, other))
        {
            return this;
        }

        var merged = new List<Field>(_fields.Length + other._fields.Length);
        int i = 0, j = 0;
        while (i < _fields.Length || j < other._fields.Length)
        {
            var cmp = i == _fields.Length ? 1 : j == other._fields.Length ? -1 : Compare(_fields[i], other._fields[j]);
            IDotStore value;
            Field field;
            if (cmp == 0)
            {
                field = _fields[i++];
                value = field.Value.JoinStore(other._fields[j++].Value, mine, theirs);
            }
            else if (cmp < 0)
            {
                field = _fields[i++];
                value = field.Value.JoinStore(BottomOf(field.Kind), mine, theirs);
            }
            else
            {
                field = other._fields[j++];
                value = BottomOf(field.Kind).JoinStore(field.Value, mine, theirs);
            }

            if (!value.IsBottom)
            {
                merged.Add(field with { Value = value });
            }
        }

        return merged.Count == _fields.Length && merged.Zip(_fields).All(p => ReferenceEquals(p.First.Value, p.Second.Value))
            ? this
            : new MapStore([.. merged]);
    }

    public IDotStore JoinStore(IDotStore other, CausalContext mine, CausalContext theirs) => Join((MapStore)other, mine, theirs);

    public bool SameAs(IDotStore other)
    {
        var theirs = ((MapStore)other)._fields;
        return theirs.Length == _fields.Length && _fields.Zip(theirs).All(p =>
            Compare(p.First, p.Second) == 0 && (ReferenceEquals(p.First.Value, p.Second.Value) || p.First.Value.SameAs(p.Second.Value)));
    }

    public IDotStore MapDots(Func<Dot, Dot?> map) =>
        new MapStore([.. _fields.Select(f => f with { Value = f.Value.MapDots(map) }).Where(f => !f.Value.IsBottom)]);

    public void CollectDots(List<Dot> into)
    {
        foreach (var field in _fields)
        {
            field.Value.CollectDots(into);
        }
    }

    public IDotStore MutateStore(CausalContext context, NodeId replica, string operation, CausalSettings settings, int depth, List<Dot> seen)
    {
        var verb = Operation.Verb(operation, out var rest);
        var kindText = Operation.Verb(rest, out rest);
        var name = Operation.Verb(rest, out var inner);
        if (verb is not ("update" or "remove") || !TryKind(kindText, out var kind) || name.Length == 0 || (verb == "update") == (inner.Length == 0))
        {
            throw Operation.Unknown(settings.Type, operation, Accepted);
        }

        CrdtFormat.CheckSize(name, settings.MaxKeyBytes, "The field name", settings.SizeOption);
        if (kind == FieldKind.Map && depth >= settings.MaxDepth)
        {
            throw new FormatException($"crdt/{settings.Type} operation '{operation}' nests maps deeper than option 'maxDepth' allows ({settings.MaxDepth}).");
        }

        var at = IndexOf(name, kind);
        var current = at >= 0 ? _fields[at].Value : BottomOf(kind);
        if (verb == "remove")
        {
            if (!current.IsBottom)
            {
                current.CollectDots(seen);
                seen.Add(context.Next(replica)); // the remove's own event, as in the or-set
            }

            return Bottom;
        }

        var delta = current.MutateStore(context, replica, inner, settings, depth + 1, seen);
        return delta.IsBottom ? Bottom : new MapStore([new Field(name, kind, delta)]);
    }

    public string Read(CausalSettings settings) =>
        "{" + string.Join(", ", _fields.Select(f => $"{f.Name}:{KindName(f.Kind)}={f.Value.Read(settings with { DisableWins = false })}")) + "}";

    public void EncodeStore(CrdtWriter writer)
    {
        writer.WriteCount(_fields.Length);
        foreach (var field in _fields)
        {
            writer.WriteString(field.Name);
            writer.WriteCount((int)field.Kind);
            field.Value.EncodeStore(writer);
        }
    }

    public static MapStore DecodeStore(ref CrdtReader reader, CausalContext context, int depth)
    {
        if (depth > 64)
        {
            throw new FormatException("crdt/or-map state nests maps deeper than 64.");
        }

        var fields = new Field[reader.ReadCount(reader.Remaining)];
        for (var i = 0; i < fields.Length; i++)
        {
            var name = reader.ReadString();
            var kind = (FieldKind)reader.ReadCount(5);
            IDotStore value = kind switch
            {
                FieldKind.Counter => CounterStore.DecodeStore(ref reader, context, depth + 1),
                FieldKind.Set => OrSetStore.DecodeStore(ref reader, context, depth + 1),
                FieldKind.Register => MvStore.DecodeStore(ref reader, context, depth + 1),
                FieldKind.Flag => FlagStore.DecodeStore(ref reader, context, depth + 1),
                FieldKind.Map => DecodeStore(ref reader, context, depth + 1),
                _ => throw new FormatException($"crdt/or-map state has field kind {(int)kind}; kinds are 1 to 5."),
            };
            fields[i] = new Field(name, kind, value);
            if (value.IsBottom || (i > 0 && Compare(fields[i - 1], fields[i]) >= 0))
            {
                throw new FormatException("crdt/or-map state has fields that are empty, unsorted or repeated (not canonical).");
            }
        }

        return fields.Length == 0 ? Bottom : new MapStore(fields);
    }

    private static IDotStore BottomOf(FieldKind kind) => kind switch
    {
        FieldKind.Counter => CounterStore.Bottom,
        FieldKind.Set => OrSetStore.Bottom,
        FieldKind.Register => MvStore.Bottom,
        FieldKind.Flag => FlagStore.Bottom,
        _ => Bottom,
    };

    private static string KindName(FieldKind kind) => kind.ToString().ToLowerInvariant();

    private static bool TryKind(string text, out FieldKind kind)
    {
        kind = text switch
        {
            "counter" => FieldKind.Counter,
            "set" => FieldKind.Set,
            "register" => FieldKind.Register,
            "flag" => FieldKind.Flag,
            "map" => FieldKind.Map,
            _ => 0,
        };
        return kind != 0;
    }

    private static int Compare(Field a, Field b)
    {
        var byName = string.CompareOrdinal(a.Name, b.Name);
        return byName != 0 ? byName : a.Kind.CompareTo(b.Kind);
    }

    private int IndexOf(string name, FieldKind kind) =>
        Array.FindIndex(_fields, f => f.Kind == kind && string.Equals(f.Name, name, StringComparison.Ordinal));

    private readonly record struct Field(string Name, FieldKind Kind, IDotStore Value);
}
