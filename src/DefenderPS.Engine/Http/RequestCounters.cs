using System;
using System.Threading;

namespace DefenderPS.Http;

/// <summary>What a session's requests cost so far, counted by the HTTP pipeline and shown by Get-DefenderSession.</summary>
internal sealed class RequestCounters
{
    private long _requests;
    private long _retries;
    private long _throttled;
    private long _waitTicks;
    private long _cacheHits;

    /// <summary>Requests sent, including retries.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>429 answers received from the service.</summary>
    public long Throttled => Interlocked.Read(ref _throttled);

    /// <summary>Time spent waiting for the call budget, 429 pauses and retry backoff.</summary>
    public TimeSpan WaitTime => TimeSpan.FromTicks(Interlocked.Read(ref _waitTicks));

    /// <summary>Lookups answered from the session cache (-CacheTtl) instead of the API.</summary>
    public long CacheHits => Interlocked.Read(ref _cacheHits);

    public void CountRequest() => Interlocked.Increment(ref _requests);

    public void CountCacheHit() => Interlocked.Increment(ref _cacheHits);

    public void CountRetry() => Interlocked.Increment(ref _retries);

    public void CountThrottled() => Interlocked.Increment(ref _throttled);

    public void CountWait(TimeSpan wait) => Interlocked.Add(ref _waitTicks, wait.Ticks);
}
