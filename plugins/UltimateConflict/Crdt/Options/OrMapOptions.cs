using Kernel.Sdk.Strategies;

namespace UltimateConflict.Crdt.Options;

/// <summary>
/// Options of <c>crdt/or-map</c>. Operations: <c>update KIND NAME OPERATION</c> and <c>remove KIND NAME</c>, KIND one of
/// <c>counter</c> (<c>inc N</c>, <c>dec N</c>), <c>set</c> (<c>add X</c>, <c>remove X</c>), <c>register</c> (a multi-value
/// register: <c>set X</c>), <c>flag</c> (enable-wins: <c>enable</c>, <c>disable</c>) or <c>map</c> (a nested map: its own
/// <c>update</c>/<c>remove</c>). Read as <c>{name:kind=value, ...}</c>.
/// </summary>
public sealed class OrMapOptions
{
    /// <summary>Option <c>maxKeyBytes</c>: the longest field name, set element or register value, in UTF-8 bytes (1 to 1,048,576). Default 1024.</summary>
    public int MaxKeyBytes { get; init; } = 1024;

    /// <summary>Option <c>maxDepth</c>: how deep maps nest, 1 meaning no map inside the map (1 to 16). Default 4.</summary>
    public int MaxDepth { get; init; } = 4;

    internal static OrMapOptions Read(OptionReader reader) => new()
    {
        MaxKeyBytes = reader.Int("maxKeyBytes", 1024, 1, 1 << 20),
        MaxDepth = reader.Int("maxDepth", 4, 1, 16),
    };
}
