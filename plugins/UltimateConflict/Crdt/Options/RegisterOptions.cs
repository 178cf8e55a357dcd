using Kernel.Sdk.Strategies;

namespace UltimateConflict.Crdt.Options;

/// <summary>
/// Options of <c>crdt/lww-register</c> and <c>crdt/mv-register</c>. Operations: <c>set TIME VALUE</c> for the LWW-Register
/// (TIME: the writing replica's physical clock in milliseconds, the hybrid logical clock's input) and <c>set VALUE</c> for
/// the MV-Register. The LWW-Register reads as its value (empty before any write), the MV-Register as <c>[a, b]</c>.
/// </summary>
public sealed class RegisterOptions
{
    /// <summary>The default of <see cref="MaxValueBytes"/>.</summary>
    public const int DefaultMaxValueBytes = 64 * 1024;

    /// <summary>Option <c>maxValueBytes</c>: the longest value, in UTF-8 bytes (1 to 16,777,216). Default 65,536.</summary>
    public int MaxValueBytes { get; init; } = DefaultMaxValueBytes;

    internal static RegisterOptions Read(OptionReader reader) =>
        new() { MaxValueBytes = reader.Int("maxValueBytes", DefaultMaxValueBytes, 1, 1 << 24) };
}
