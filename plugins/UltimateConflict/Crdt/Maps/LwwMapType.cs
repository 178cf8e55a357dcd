using Kernel.Sdk.Cluster;
using Kernel.Sdk.Crdt;
using UltimateConflict.Crdt.Options;
using UltimateConflict.Crdt.Shared;

namespace UltimateConflict.Crdt.Maps;

/// <summary>The byte-level face of <see cref="LwwMap"/>: <c>set TIME KEY VALUE</c>, <c>remove TIME KEY</c>; read as <c>{k=v, ...}</c>.</summary>
internal sealed class LwwMapType(LwwMapOptions options) : PluginCrdtType<LwwMap, LwwMap>
{
    protected override string TypeName => "lww-map";

    public override LwwMap Delta(LwwMap state, NodeId replica, string operation)
    {
        if (Operation.TryPrune(operation, out var removed))
        {
            return state.PruneDelta(removed, replica);
        }

        var verb = Operation.Verb(operation, out var rest);
        var time = Operation.Verb(rest, out rest);
        var key = Operation.Verb(rest, out var value);
        if (verb is not ("set" or "remove") || !Operation.TryTime(time, out var millis) || key.Length == 0 || (verb == "set") == (value.Length == 0))
        {
            throw Operation.Unknown("lww-map", operation, "set TIME KEY VALUE, remove TIME KEY (TIME the writer's clock in milliseconds), " + Operation.Prune);
        }

        CrdtFormat.CheckSize(key, options.MaxKeyBytes, "The key", "maxKeyBytes");
        CrdtFormat.CheckSize(value, options.MaxValueBytes, "The value", "maxValueBytes");
        return state.WriteDelta(replica, millis, key, verb == "set" ? value : null);
    }

    public override string Value(LwwMap state) => state.ToString();
}
