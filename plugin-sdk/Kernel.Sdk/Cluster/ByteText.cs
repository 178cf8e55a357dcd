using System.Globalization;
using System.Text;

namespace Kernel.Sdk.Cluster;

/// <summary>How payloads print in traces, transcripts and messages' <c>ToString</c>: one format everywhere.</summary>
public static class ByteText
{
    /// <summary>Bytes as a quoted string when printable ASCII (no quote or backslash), else as hex (at most 32 bytes shown).</summary>
    public static string Format(ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            if (b is < 0x20 or > 0x7e or (byte)'"' or (byte)'\\')
            {
                var shown = Convert.ToHexStringLower(data[..Math.Min(data.Length, 32)]);
                return data.Length > 32 ? string.Create(CultureInfo.InvariantCulture, $"0x{shown}... ({data.Length} bytes)") : "0x" + shown;
            }
        }

        return "\"" + Encoding.ASCII.GetString(data) + "\"";
    }
}
