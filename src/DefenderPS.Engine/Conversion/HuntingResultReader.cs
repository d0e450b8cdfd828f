using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace DefenderPS.Conversion;

/// <summary>
/// Streams the rows of an advanced hunting response (Graph's <c>huntingQueryResults</c>:
/// <c>{"schema":[{"name","type"}],"results":[{...}]}</c>, either casing of the property names) as PSObjects typed by the
/// schema, each handed over as soon as its bytes have arrived. Column names stay as the query returned them.
/// </summary>
/// <remarks>
/// Graph sends <c>schema</c> before <c>results</c>, so normally nothing is held back. Should <c>results</c> come first,
/// its rows are kept as their raw UTF-8 bytes (the least that can be kept without knowing the types) and converted once
/// the schema has been read; a response that has no schema at all gets its rows converted as plain JSON.
/// A value that does not fit its column's type (a word in a Long column) is converted as plain JSON too, never refused.
/// </remarks>
internal sealed class HuntingResultReader : StreamedJsonReader
{
    public const string RowTypeName = "DefenderPS.HuntingRow";

    private enum Position
    {
        BeforeRoot,
        InRoot,
        InSchema,
        InResults,
        AfterRoot,
    }

    private readonly Action<PSObject> _onRow;
    private readonly List<HuntingColumn> _schema = new();
    private Position _position = Position.BeforeRoot;
    private bool _schemaRead;
    private List<byte[]>? _rowsBeforeSchema;

    private HuntingResultReader(Action<PSObject> onRow)
    {
        _onRow = onRow;
    }

    /// <summary>Reads a whole response, calling <paramref name="onRow"/> for each row, and returns its columns.</summary>
    public static async Task<IReadOnlyList<HuntingColumn>> ReadAsync(Stream body, Action<PSObject> onRow, CancellationToken cancellationToken)
    {
        var reader = new HuntingResultReader(onRow);
        await reader.ReadDocumentAsync(body, cancellationToken);
        return reader._schema;
    }

    protected override bool IsComplete => _position == Position.AfterRoot;

    protected override bool Step(ref Utf8JsonReader reader, ReadOnlySpan<byte> data)
    {
        switch (_position)
        {
            case Position.BeforeRoot:
                Expect(reader.TokenType == JsonTokenType.StartObject, "a JSON object");
                _position = Position.InRoot;
                return true;

            case Position.InRoot when reader.TokenType == JsonTokenType.EndObject:
                HandOverRowsBeforeSchema();
                _position = Position.AfterRoot;
                return true;

            case Position.InRoot:
                return ReadRootProperty(ref reader);

            case Position.InSchema when reader.TokenType == JsonTokenType.EndArray:
                _schemaRead = true;
                HandOverRowsBeforeSchema();
                _position = Position.InRoot;
                return true;

            case Position.InResults when reader.TokenType == JsonTokenType.EndArray:
                _position = Position.InRoot;
                return true;

            default:
                var valueStart = (int)reader.TokenStartIndex;
                if (!reader.TrySkip())
                {
                    return false;
                }

                var value = data.Slice(valueStart, (int)reader.BytesConsumed - valueStart);
                if (_position == Position.InSchema)
                {
                    _schema.Add(ReadColumn(value));
                }
                else if (_schemaRead)
                {
                    _onRow(ConvertRow(value));
                }
                else
                {
                    (_rowsBeforeSchema ??= new List<byte[]>()).Add(value.ToArray());
                }

                return true;
        }
    }

    private bool ReadRootProperty(ref Utf8JsonReader reader)
    {
        Expect(reader.TokenType == JsonTokenType.PropertyName, "a property name");
        var array = IsEither(ref reader, "schema", "Schema") ? Position.InSchema
            : IsEither(ref reader, "results", "Results") ? Position.InResults
            : Position.InRoot;
        if (!reader.Read())
        {
            return false;
        }

        if (array == Position.InRoot)
        {
            return reader.TrySkip();
        }

        Expect(reader.TokenType == JsonTokenType.StartArray, array == Position.InSchema ? "the 'schema' array" : "the 'results' array");
        _position = array;
        return true;
    }

    private static bool IsEither(ref Utf8JsonReader reader, string lower, string upper) =>
        reader.ValueTextEquals(lower) || reader.ValueTextEquals(upper);

    /// <summary>Rows that came before the schema, typed now that it is known (or as plain JSON if it never came).</summary>
    private void HandOverRowsBeforeSchema()
    {
        foreach (var row in _rowsBeforeSchema ?? new List<byte[]>())
        {
            _onRow(ConvertRow(row));
        }

        _rowsBeforeSchema = null;
    }

    private static HuntingColumn ReadColumn(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, isFinalBlock: true, state: default);
        reader.Read();
        Expect(reader.TokenType == JsonTokenType.StartObject, "each schema column to be an object");
        string? name = null, type = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isName = IsEither(ref reader, "name", "Name");
            var isType = IsEither(ref reader, "type", "Type");
            reader.Read();
            var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            reader.Skip();
            name = isName ? text : name;
            type = isType ? text : type;
        }

        Expect(!string.IsNullOrEmpty(name), "a name for each schema column");
        return new HuntingColumn(name!, type ?? "String");
    }

    private PSObject ConvertRow(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, isFinalBlock: true, state: default);
        reader.Read();
        Expect(reader.TokenType == JsonTokenType.StartObject, "each result row to be an object");

        var row = new PSObject();
        row.TypeNames.Insert(0, RowTypeName);
        var expected = 0;
        var columnsFound = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var column = FindColumn(ref reader, ref expected);
            var name = column?.Name ?? reader.GetString()!;
            reader.Read();
            var value = column is null ? AsJson(ref reader, json) : ConvertValue(ref reader, json, column.Type);
            JsonToPSObject.SetProperty(row, name, value);
            columnsFound += column is null ? 0 : 1;
        }

        // Every row has every column, so tables and exports line up even when a row leaves one out.
        if (columnsFound < _schema.Count)
        {
            foreach (var column in _schema)
            {
                if (row.Properties[column.Name] is null)
                {
                    row.Properties.Add(new PSNoteProperty(column.Name, null));
                }
            }
        }

        return row;
    }

    /// <summary>The schema column named at the reader; rows list their columns in schema order, so the next one is tried first.</summary>
    private HuntingColumn? FindColumn(ref Utf8JsonReader reader, ref int expected)
    {
        for (var offset = 0; offset < _schema.Count; offset++)
        {
            var index = (expected + offset) % _schema.Count;
            if (reader.ValueTextEquals(_schema[index].Utf8Name))
            {
                expected = index + 1;
                return _schema[index];
            }
        }

        return null;
    }

    private static object? ConvertValue(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, HuntingColumnType type)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        object? typed = (type, reader.TokenType) switch
        {
            (HuntingColumnType.String, JsonTokenType.String) => reader.GetString(),
            (HuntingColumnType.DateTime, JsonTokenType.String) => DateTimeValue(ref reader),
            (HuntingColumnType.Int, JsonTokenType.Number) when reader.TryGetInt32(out var small) => small,
            (HuntingColumnType.Long, JsonTokenType.Number) when reader.TryGetInt64(out var large) => large,
            (HuntingColumnType.Long, JsonTokenType.String) when long.TryParse(reader.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var large) => large,
            (HuntingColumnType.Boolean, JsonTokenType.True) => true,
            (HuntingColumnType.Boolean, JsonTokenType.False) => false,
            (HuntingColumnType.Boolean, JsonTokenType.Number) when reader.TryGetInt32(out var flag) => flag != 0,
            (HuntingColumnType.Real, JsonTokenType.Number) => reader.GetDouble(),

            // Kusto writes NaN and the infinities as strings, JSON having no numbers for them.
            (HuntingColumnType.Real, JsonTokenType.String) when double.TryParse(reader.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var real) => real,
            (HuntingColumnType.Decimal, JsonTokenType.Number) when reader.TryGetDecimal(out var exact) => exact,
            (HuntingColumnType.Decimal, JsonTokenType.String) when decimal.TryParse(reader.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var exact) => exact,
            (HuntingColumnType.TimeSpan, JsonTokenType.String) when TimeSpan.TryParse(reader.GetString(), CultureInfo.InvariantCulture, out var span) => span,
            (HuntingColumnType.Dynamic, JsonTokenType.String) => JsonText(reader.GetString()!),
            _ => null,
        };

        return typed ?? AsJson(ref reader, json);
    }

    private static object? DateTimeValue(ref Utf8JsonReader reader)
    {
        if (reader.TryGetDateTime(out var exact))
        {
            return JsonToPSObject.AsUtc(exact);
        }

        return DateTime.TryParse(reader.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed)
            ? parsed
            : null;
    }

    /// <summary>A dynamic value sent as JSON text is parsed; any other text stays as it is.</summary>
    private static object JsonText(string text)
    {
        var trimmed = text.TrimStart();
        if (trimmed.Length == 0 || (trimmed[0] != '{' && trimmed[0] != '['))
        {
            return text;
        }

        try
        {
            return JsonToPSObject.Convert(Encoding.UTF8.GetBytes(text)) ?? text;
        }
        catch (JsonException)
        {
            return text;
        }
    }

    /// <summary>The value at the reader converted as any API JSON is (see <see cref="JsonToPSObject"/>).</summary>
    private static object? AsJson(ref Utf8JsonReader reader, ReadOnlySpan<byte> json)
    {
        var start = (int)reader.TokenStartIndex;
        reader.Skip();
        return JsonToPSObject.Convert(json.Slice(start, (int)reader.BytesConsumed - start));
    }

    private static void Expect(bool condition, string what)
    {
        if (!condition)
        {
            throw new JsonException($"Expected {what} in the hunting query response.");
        }
    }
}
