using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Management.Automation;
using System.Text.Json;

namespace DefenderPS.Conversion;

/// <summary>
/// Turns API JSON into PSObjects: PascalCase note properties, ISO timestamps as UTC [datetime],
/// nested objects as PSObjects, arrays as object[], nulls kept, unknown properties passed through.
/// </summary>
internal static class JsonToPSObject
{
    /// <summary>Converts one complete JSON value held in <paramref name="json"/>.</summary>
    public static object? Convert(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, isFinalBlock: true, state: default);
        reader.Read();
        return ReadValue(ref reader);
    }

    /// <summary>Converts an entity, gives it its DefenderPS type name and ranks its severity, risk or exposure, and names its nested objects.</summary>
    public static PSObject ConvertEntity(ReadOnlySpan<byte> json, EntityKind kind)
    {
        if (Convert(json) is not PSObject entity)
        {
            throw new JsonException($"Expected a JSON object for an entity of type {kind}.");
        }

        entity.TypeNames.Insert(0, kind.TypeName());
        RankedValues.Apply(entity, kind);
        NestedTypeNames.Apply(entity, kind);
        return entity;
    }

    /// <summary>Reads the value at the reader's current token, leaving the reader on its last token.</summary>
    private static object? ReadValue(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                return ReadObject(ref reader);
            case JsonTokenType.StartArray:
                return ReadArray(ref reader);
            case JsonTokenType.String:
                return ReadString(ref reader);
            case JsonTokenType.Number:
                return ReadNumber(ref reader);
            case JsonTokenType.True:
                return true;
            case JsonTokenType.False:
                return false;
            case JsonTokenType.Null:
                return null;
            default:
                throw new JsonException($"Unexpected JSON token {reader.TokenType}.");
        }
    }

    private static PSObject ReadObject(ref Utf8JsonReader reader)
    {
        var result = new PSObject();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = PropertyName(ref reader);
            reader.Read();
            var value = ReadValue(ref reader);

            // OData annotations (@odata.context, @odata.etag) describe the wire format, not the entity.
            if (name.Length > 0 && name[0] != '@')
            {
                SetProperty(result, name, value);
            }
        }

        return result;
    }

    /// <summary>Adds a note property; a repeated name keeps the last value, as JSON parsers do, instead of failing.</summary>
    public static void SetProperty(PSObject target, string name, object? value)
    {
        // Pre-validated: a note property on a fresh object cannot clash with the type table, and skipping
        // that check halves the cost of every property. A repeated name still throws.
        try
        {
            target.Properties.Add(new PSNoteProperty(name, value), preValidated: true);
        }
        catch (ExtendedTypeSystemException)
        {
            target.Properties[name].Value = value;
        }
    }

    private static object?[] ReadArray(ref Utf8JsonReader reader)
    {
        var items = new List<object?>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            items.Add(ReadValue(ref reader));
        }

        return items.ToArray();
    }

    private static object ReadString(ref Utf8JsonReader reader)
    {
        // Only full date-times ("2020-01-05T06:58:34Z"), never plain dates or other strings, become [datetime].
        if (LooksLikeDateTime(reader.ValueSpan) && reader.TryGetDateTime(out var value))
        {
            return AsUtc(value);
        }

        return reader.GetString()!;
    }

    /// <summary>The service's times are UTC: one with an offset is converted, one without is taken as UTC.</summary>
    public static DateTime AsUtc(DateTime value) => value.Kind switch
    {
        DateTimeKind.Utc => value,
        DateTimeKind.Local => value.ToUniversalTime(),
        _ => DateTime.SpecifyKind(value, DateTimeKind.Utc),
    };

    private static bool LooksLikeDateTime(ReadOnlySpan<byte> raw) =>
        raw.Length >= 19 && raw.Length <= 40 && raw[4] == (byte)'-' && raw[7] == (byte)'-' && raw[10] == (byte)'T'
        && raw[13] == (byte)':' && IsDigit(raw[0]) && IsDigit(raw[3]);

    private static bool IsDigit(byte b) => b >= (byte)'0' && b <= (byte)'9';

    private static object ReadNumber(ref Utf8JsonReader reader)
    {
        if (reader.TryGetInt32(out var small))
        {
            return small;
        }

        if (reader.TryGetInt64(out var large))
        {
            return large;
        }

        return reader.GetDouble();
    }

    /// <summary>
    /// The PascalCase name of the property at the reader. Entities repeat the same few dozen names, so each is
    /// made once and found again by its UTF-8 bytes, instead of two new strings per property per entity.
    /// </summary>
    private static string PropertyName(ref Utf8JsonReader reader)
    {
        if (reader.ValueIsEscaped)
        {
            return PascalCase(reader.GetString()!);
        }

        var raw = reader.ValueSpan;
        var hash = Fnv1a(raw);
        if (KnownNames.TryGetValue(hash, out var known) && raw.SequenceEqual(known.Utf8))
        {
            return known.Name;
        }

        var name = PascalCase(reader.GetString()!);
        if (KnownNames.Count < MaxKnownNames)
        {
            KnownNames.TryAdd(hash, new KnownName(raw.ToArray(), name));
        }

        return name;
    }

    private const int MaxKnownNames = 4096;

    private static readonly ConcurrentDictionary<ulong, KnownName> KnownNames = new();

    private static ulong Fnv1a(ReadOnlySpan<byte> bytes)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }

    private sealed class KnownName
    {
        public KnownName(byte[] utf8, string name)
        {
            Utf8 = utf8;
            Name = name;
        }

        public byte[] Utf8 { get; }

        public string Name { get; }
    }

    private static string PascalCase(string name) =>
        name.Length > 0 && char.IsLower(name[0]) ? char.ToUpperInvariant(name[0]) + name.Substring(1) : name;
}
