using Kernel.Sdk.Strategies;

namespace UltimateConflict.Crdt.Options;

/// <summary>
/// Options of <c>crdt/lww-map</c>. Operations: <c>set TIME KEY VALUE</c>, <c>remove TIME KEY</c> (TIME: the writing
/// replica's physical clock in milliseconds; KEY without spaces; VALUE the rest); read as <c>{k=v, ...}</c> sorted by key.
/// </summary>
public sealed class LwwMapOptions
{
    /// <summary>Option <c>maxKeyBytes</c>: the longest key, in UTF-8 bytes (1 to 65,536). Default 1024.</summary>
    public int MaxKeyBytes { get; init; } = 1024;

    /// <summary>Option <c>maxValueBytes</c>: the longest value, in UTF-8 bytes (1 to 16,777,216). Default 65,536.</summary>
    public int MaxValueBytes { get; init; } = RegisterOptions.DefaultMaxValueBytes;

    internal static LwwMapOptions Read(OptionReader reader) => new()
    {
        MaxKeyBytes = reader.Int("maxKeyBytes", 1024, 1, 1 << 16),
        MaxValueBytes = reader.Int("maxValueBytes", RegisterOptions.DefaultMaxValueBytes, 1, 1 << 24),
    };
}
