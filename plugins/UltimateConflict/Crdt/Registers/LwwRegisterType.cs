using Kernel.Sdk.Cluster;
using Kernel.Sdk.Crdt;
using UltimateConflict.Crdt.Options;
using UltimateConflict.Crdt.Shared;

namespace UltimateConflict.Crdt.Registers;

/// <summary>The byte-level face of <see cref="LwwRegister"/>: <c>set TIME VALUE</c>; read as the value.</summary>
internal sealed class LwwRegisterType(RegisterOptions options) : PluginCrdtType<LwwRegister, LwwRegister>
{
    protected override string TypeName => "lww-register";

    public override LwwRegister Delta(LwwRegister state, NodeId replica, string operation)
    {
        var verb = Operation.Verb(operation, out var rest);
        var time = Operation.Verb(rest, out var value);
        if (verb != "set" || !Operation.TryTime(time, out var millis) || value.Length == 0)
        {
            throw Operation.Unknown("lww-register", operation, "set TIME VALUE (TIME the writer's clock in milliseconds)");
        }

        CrdtFormat.CheckSize(value, options.MaxValueBytes, "The value", "maxValueBytes");
        return state.SetDelta(replica, millis, value);
    }

    public override string Value(LwwRegister state) => state.ToString();
}
