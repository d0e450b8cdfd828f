using System;
using System.Net.Http;
using System.Threading;
using DefenderPS.Authentication;
using DefenderPS.Http;

namespace DefenderPS.Session;

/// <summary>
/// One connection to a Defender tenant: the API root, the token source and the request counters.
/// Everything secret stays inside the token source; nothing public here can reveal a token.
/// </summary>
public sealed class DefenderSession
{
    private long _requestCount;
    private long _retryCount;
    private long _throttledCount;
    private long _waitTicks;

    internal DefenderSession(TokenSource tokenSource, Uri apiUri, string? tenantId, string? clientId, HttpMessageHandler handler)
    {
        TokenSource = tokenSource;
        ApiUri = apiUri;
        TenantId = tenantId;
        ClientId = clientId;
        Client = new DefenderApiClient(this, handler);
    }

    public Guid Id { get; } = Guid.NewGuid();

    public string? TenantId { get; }

    public string? ClientId { get; }

    public AuthenticationKind AuthenticationKind => TokenSource.Kind;

    public Uri ApiUri { get; }

    public DateTimeOffset ConnectedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>When the current token expires; null before the first token or when it never expires.</summary>
    public DateTimeOffset? TokenExpiresOn => TokenSource.ExpiresOn;

    public bool IsConnected { get; private set; } = true;

    public long RequestCount => Interlocked.Read(ref _requestCount);

    public long RetryCount => Interlocked.Read(ref _retryCount);

    public long ThrottledCount => Interlocked.Read(ref _throttledCount);

    public TimeSpan TotalWaitTime => TimeSpan.FromTicks(Interlocked.Read(ref _waitTicks));

    internal TokenSource TokenSource { get; }

    internal DefenderApiClient Client { get; }

    internal void CountRequest() => Interlocked.Increment(ref _requestCount);

    internal void CountRetry() => Interlocked.Increment(ref _retryCount);

    internal void CountThrottled(TimeSpan wait)
    {
        Interlocked.Increment(ref _throttledCount);
        Interlocked.Add(ref _waitTicks, wait.Ticks);
    }

    internal void Disconnect()
    {
        IsConnected = false;
        TokenSource.Dispose();
        Client.Dispose();
    }

    public override string ToString()
    {
        var who = TenantId is null ? AuthenticationKind.ToString() : $"{AuthenticationKind} {TenantId}";
        return $"DefenderSession({who} -> {ApiUri})";
    }
}
