using System;
using System.Collections;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Text;
using System.Text.Json;

namespace DefenderPS.Conversion;

/// <summary>
/// Turns a request body given in PowerShell terms into JSON: a hashtable or dictionary, a PSObject (its properties),
/// or JSON text (checked, then sent as written). Property names are kept as given, since the API's body keys are
/// case-sensitive (<c>Comment</c>, <c>IsolationType</c>).
/// </summary>
internal static class PSObjectToJson
{
    private const int MaxDepth = 32;

    /// <exception cref="ArgumentException">JSON text that does not parse, or an object nested deeper than 32 levels.</exception>
    public static byte[] Serialize(object body)
    {
        var value = body is PSObject wrapped ? wrapped.BaseObject : body;
        if (value is string text)
        {
            try
            {
                JsonDocument.Parse(text).Dispose();
            }
            catch (JsonException e)
            {
                throw new ArgumentException($"The body is text but not JSON: {e.Message}", e);
            }

            return Encoding.UTF8.GetBytes(text);
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, body, 0);
        }

        return buffer.ToArray();
    }

    private static void Write(Utf8JsonWriter writer, object? input, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new ArgumentException($"The body is nested deeper than {MaxDepth} levels; does it refer to itself?");
        }

        var value = input is PSObject wrapped ? wrapped.BaseObject : input;
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string text:
                writer.WriteStringValue(text);
                break;
            case bool flag:
                writer.WriteBooleanValue(flag);
                break;
            case char c:
                writer.WriteStringValue(c.ToString());
                break;
            case Enum named:
                writer.WriteStringValue(named.ToString());
                break;
            case DateTime time:
                writer.WriteStringValue(time.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(time, DateTimeKind.Local).ToUniversalTime() : time.ToUniversalTime());
                break;
            case DateTimeOffset offset:
                writer.WriteStringValue(offset.UtcDateTime);
                break;
            case Guid or Uri or TimeSpan:
                writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
            case byte or sbyte or short or ushort or int or uint or long or ulong or float or double or decimal:
                writer.WriteRawValue(Convert.ToString(value, CultureInfo.InvariantCulture)!);
                break;
            case IDictionary dictionary:
                writer.WriteStartObject();
                foreach (DictionaryEntry entry in dictionary)
                {
                    writer.WritePropertyName(Convert.ToString(entry.Key, CultureInfo.InvariantCulture)!);
                    Write(writer, entry.Value, depth + 1);
                }

                writer.WriteEndObject();
                break;
            case IEnumerable items:
                writer.WriteStartArray();
                foreach (var item in items)
                {
                    Write(writer, item, depth + 1);
                }

                writer.WriteEndArray();
                break;
            case PSCustomObject:
                WriteProperties(writer, (PSObject)input!, depth);
                break;
            default:
                WriteProperties(writer, PSObject.AsPSObject(value), depth);
                break;
        }
    }

    /// <summary>A custom object's note properties, or a .NET object's public properties.</summary>
    private static void WriteProperties(Utf8JsonWriter writer, PSObject source, int depth)
    {
        writer.WriteStartObject();
        foreach (var property in source.Properties)
        {
            if (property.IsGettable)
            {
                writer.WritePropertyName(property.Name);
                Write(writer, property.Value, depth + 1);
            }
        }

        writer.WriteEndObject();
    }
}
