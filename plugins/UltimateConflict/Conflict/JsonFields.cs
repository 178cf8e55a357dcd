using System.Buffers;
using System.Text.Json;

namespace UltimateConflict.Conflict;

/// <summary>Values that are JSON objects, as their top-level fields: what field-wise strategies read and write.</summary>
internal static class JsonFields
{
    /// <summary>The top-level fields of a JSON object, in order; null when the value is not a JSON object with unique field names.</summary>
    public static List<KeyValuePair<string, JsonElement>>? Parse(ReadOnlyMemory<byte> value)
    {
        try
        {
            using var document = JsonDocument.Parse(value);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var fields = new List<KeyValuePair<string, JsonElement>>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!names.Add(property.Name))
                {
                    return null;
                }

                fields.Add(new(property.Name, property.Value.Clone()));
            }

            return fields;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The object of <paramref name="fields"/>, compact, in their order.</summary>
    public static byte[] Encode(IEnumerable<KeyValuePair<string, JsonElement>> fields)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in fields)
            {
                writer.WritePropertyName(name);
                value.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
