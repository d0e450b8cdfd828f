using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace DefenderPS.Http;

/// <summary>
/// A response body whose time-out restarts with every read, so only silence from the service counts
/// against -TimeoutSec, never the time the body waits for a slow pipeline to take its objects.
/// </summary>
internal sealed class IdleTimeoutStream : Stream
{
    private readonly Stream _inner;
    private readonly CancellationTokenSource _timeout;
    private readonly TimeSpan _limit;

    public IdleTimeoutStream(Stream inner, CancellationTokenSource timeout, TimeSpan limit)
    {
        _inner = inner;
        _timeout = timeout;
        _limit = limit;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        // Armed only while waiting for the service; disarmed while the caller works on what arrived.
        _timeout.CancelAfter(_limit);
        var read = await _inner.ReadAsync(buffer, offset, count, _timeout.Token);
        _timeout.CancelAfter(Timeout.InfiniteTimeSpan);
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
