using System;
using System.IO;
using System.Management.Automation;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace DefenderPS.Conversion;

/// <summary>
/// Streams the entities of an OData collection page (<c>{"value":[...], "@odata.nextLink":"..."}</c>)
/// as soon as each one has arrived, so a 10,000-entity page is never held whole in memory.
/// </summary>
internal sealed class ODataCollectionReader : StreamedJsonReader
{
    private enum Position
    {
        BeforeRoot,
        InRoot,
        InValueArray,
        AfterRoot,
    }

    private readonly EntityKind _kind;
    private readonly Action<PSObject> _onEntity;
    private Position _position = Position.BeforeRoot;

    private ODataCollectionReader(EntityKind kind, Action<PSObject> onEntity)
    {
        _kind = kind;
        _onEntity = onEntity;
    }

    public string? NextLink { get; private set; }

    /// <summary>Reads one page, calling <paramref name="onEntity"/> for each entity, and returns its next link.</summary>
    public static async Task<string?> ReadPageAsync(Stream body, EntityKind kind, Action<PSObject> onEntity, CancellationToken cancellationToken)
    {
        var reader = new ODataCollectionReader(kind, onEntity);
        await reader.ReadDocumentAsync(body, cancellationToken);
        return reader.NextLink;
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
                _position = Position.AfterRoot;
                return true;

            case Position.InRoot:
                return ReadRootProperty(ref reader);

            case Position.InValueArray when reader.TokenType == JsonTokenType.EndArray:
                _position = Position.InRoot;
                return true;

            default:
                var entityStart = (int)reader.TokenStartIndex;
                if (!reader.TrySkip())
                {
                    return false;
                }

                var entity = data.Slice(entityStart, (int)reader.BytesConsumed - entityStart);
                _onEntity(JsonToPSObject.ConvertEntity(entity, _kind));
                return true;
        }
    }

    private bool ReadRootProperty(ref Utf8JsonReader reader)
    {
        Expect(reader.TokenType == JsonTokenType.PropertyName, "a property name");
        if (reader.ValueTextEquals("value"))
        {
            if (!reader.Read())
            {
                return false;
            }

            Expect(reader.TokenType == JsonTokenType.StartArray, "the 'value' array");
            _position = Position.InValueArray;
            return true;
        }

        var isNextLink = reader.ValueTextEquals("@odata.nextLink");
        if (!reader.Read() || !reader.TrySkip())
        {
            return false;
        }

        if (isNextLink && reader.TokenType == JsonTokenType.String)
        {
            NextLink = reader.GetString();
        }

        return true;
    }

    private static void Expect(bool condition, string what)
    {
        if (!condition)
        {
            throw new JsonException($"Expected {what} in the collection response.");
        }
    }
}
