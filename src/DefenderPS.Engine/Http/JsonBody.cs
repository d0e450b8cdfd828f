using System.Collections.Generic;
using System.IO;
using System.Text.Json;

namespace DefenderPS.Http;

/// <summary>The small JSON bodies of the requests that act: string fields, written with their keys exactly as given.</summary>
internal static class JsonBody
{
    /// <summary>A JSON object of <paramref name="fields"/>, leaving out those whose value is null (the service keeps what is not sent).</summary>
    public static byte[] Of(params KeyValuePair<string, string?>[] fields)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var field in fields)
            {
                if (field.Value is not null)
                {
                    writer.WriteString(field.Key, field.Value);
                }
            }

            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    public static KeyValuePair<string, string?> Field(string name, string? value) => new(name, value);
}
