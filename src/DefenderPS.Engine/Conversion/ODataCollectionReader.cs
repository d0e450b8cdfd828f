using System;
using System.Buffers;
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
internal sealed class ODataCollectionReader
{
    private const int InitialBufferSize = 64 * 1024;

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
    private JsonReaderState _state;

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
        await reader.ReadAsync(body, cancellationToken);
        return reader.NextLink;
    }

    private async Task ReadAsync(Stream body, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
        try
        {
            int start = 0, end = 0;
            var final = false;
            while (_position != Position.AfterRoot)
            {
                if (final)
                {
                    throw new EndOfStreamException("The response ended before its JSON was complete.");
                }

                // Keep the unread tail, growing the buffer only when one entity is larger than it.
                if (start > 0)
                {
                    Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                    end -= start;
                    start = 0;
                }
                else if (end == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    Buffer.BlockCopy(buffer, 0, larger, 0, end);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await body.ReadAsync(buffer, end, buffer.Length - end, cancellationToken);
                end += read;
                final = read == 0;
                start += Consume(new ReadOnlySpan<byte>(buffer, start, end - start), final);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Processes every complete token and entity in <paramref name="data"/>; returns the bytes used.</summary>
    private int Consume(ReadOnlySpan<byte> data, bool final)
    {
        var reader = new Utf8JsonReader(data, final, _state);
        var committed = 0;
        var committedState = _state;
        while (_position != Position.AfterRoot)
        {
            if (!reader.Read())
            {
                break;
            }

            if (!Step(ref reader, data))
            {
                break;
            }

            committed = (int)reader.BytesConsumed;
            committedState = reader.CurrentState;
        }

        _state = committedState;
        return committed;
    }

    /// <returns>False when the current value is incomplete and more data is needed.</returns>
    private bool Step(ref Utf8JsonReader reader, ReadOnlySpan<byte> data)
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
