using System;
using System.Buffers;
using System.IO;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace DefenderPS.Conversion;

/// <summary>
/// Reads one JSON document from a stream as its bytes arrive, handing each complete token to <see cref="Step"/>,
/// so a large response is never held whole in memory: only the unread tail and the value being read are buffered.
/// </summary>
internal abstract class StreamedJsonReader
{
    private const int InitialBufferSize = 64 * 1024;

    private JsonReaderState _state;

    /// <summary>True once the document's root value has ended.</summary>
    protected abstract bool IsComplete { get; }

    /// <summary>Handles the token at <paramref name="reader"/>; <paramref name="data"/> is the buffer the reader reads.</summary>
    /// <returns>False when the current value is incomplete and more data is needed; the token is then read again.</returns>
    protected abstract bool Step(ref Utf8JsonReader reader, ReadOnlySpan<byte> data);

    protected async Task ReadDocumentAsync(Stream body, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
        try
        {
            int start = 0, end = 0;
            var final = false;
            while (!IsComplete)
            {
                if (final)
                {
                    throw new EndOfStreamException("The response ended before its JSON was complete.");
                }

                // Keep the unread tail, growing the buffer only when one value is larger than it.
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

    /// <summary>Processes every complete token and value in <paramref name="data"/>; returns the bytes used.</summary>
    private int Consume(ReadOnlySpan<byte> data, bool final)
    {
        var reader = new Utf8JsonReader(data, final, _state);
        var committed = 0;
        var committedState = _state;
        while (!IsComplete)
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
}
