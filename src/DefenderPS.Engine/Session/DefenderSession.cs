using System;
using System.Net;
using System.Net.Http;
using System.Threading;
using DefenderPS.Authentication;
using DefenderPS.Completion;
using DefenderPS.Demo;
using DefenderPS.Http;

namespace DefenderPS.Session;

/// <summary>
/// One connection to a Defender tenant: the API root, the token source, the call budget, the retry
/// settings and the request counters. Everything secret stays inside the token source; nothing
/// public here can reveal a token.
/// </summary>
public sealed class DefenderSession
{
    private long _requestCount;
    private long _retryCount;
    private long _throttledCount;
    private long _waitTicks;

    /// <summary>A session whose API traffic goes through <paramref name="proxy"/> (the system proxy when null).</summary>
    internal DefenderSession(
        TokenSource tokenSource,
        Uri apiUri,
        string? tenantId,
        string? clientId,
        IWebProxy? proxy,
        SessionLimits limits,
        DefenderCloud cloud = DefenderCloud.Global,
        Uri? authority = null)
        : this(tokenSource, apiUri, tenantId, clientId, MsalClients.CreateHandler(proxy), limits, cloud, authority)
    {
    }

    /// <summary>Connect-Defender -Demo: the built-in fabrikam tenant, answered in memory through the same pipeline.</summary>
    internal static DefenderSession Demo(SessionLimits limits) =>
        new(new DemoTokenSource(), DemoApiHandler.ApiUri, "fabrikam.com", null, new DemoApiHandler(), limits);

    private DefenderSession(
        TokenSource tokenSource,
        Uri apiUri,
        string? tenantId,
        string? clientId,
        HttpMessageHandler handler,
        SessionLimits limits,
        DefenderCloud cloud = DefenderCloud.Global,
        Uri? authority = null)
    {
        TokenSource = tokenSource;
        ApiUri = apiUri;
        TenantId = tenantId;
        ClientId = clientId;
        Cloud = cloud;
        Authority = authority;
        Limiter = SharedBudgets.For(cloud, tenantId, clientId, limits, Clock);
        Retry = new RetryPolicy(limits.MaxRetries);
        RequestTimeout = limits.RequestTimeout;
        ConnectedAt = Clock.GetUtcNow();
        Client = new DefenderApiClient(this, handler);
    }

    public Guid Id { get; } = Guid.NewGuid();

    public string? TenantId { get; }

    public string? ClientId { get; }

    public AuthenticationKind AuthenticationKind => TokenSource.Kind;

    /// <summary>What proves the identity (a certificate's subject and thumbprint, a secret's vault...), never the secret itself.</summary>
    public string Credential => TokenSource.Credential;

    public DefenderCloud Cloud { get; }

    public Uri ApiUri { get; }

    /// <summary>The login authority tokens come from; null for -AccessToken, managed identity and the demo.</summary>
    public Uri? Authority { get; }

    public DateTimeOffset ConnectedAt { get; }

    /// <summary>When the current token expires; null before the first token or when it is not known.</summary>
    public DateTimeOffset? TokenExpiresOn => TokenSource.ExpiresOn;

    /// <summary>When the current token was obtained from the identity provider (or given to Connect-Defender).</summary>
    public DateTimeOffset? TokenAcquiredAt => TokenSource.AcquiredAt;

    /// <summary>Where the last token handed to a request came from: IdentityProvider, Cache or Supplied.</summary>
    public string? TokenObtainedFrom => TokenSource.Origin;

    /// <summary>Tokens obtained so far: 1 after connecting, one more for each renewal.</summary>
    public int TokensAcquired => TokenSource.IssuedCount;

    public bool IsConnected { get; private set; } = true;

    public int MaxCallsPerMinute => Limiter.PerMinute;

    public int MaxCallsPerHour => Limiter.PerHour;

    public int CallsLeftThisMinute => Limiter.LeftThisMinute;

    public int CallsLeftThisHour => Limiter.LeftThisHour;

    public int MaxRetries => Retry.MaxRetries;

    public TimeSpan RequestTimeout { get; }

    /// <summary>Requests sent, including retries.</summary>
    public long RequestCount => Interlocked.Read(ref _requestCount);

    public long RetryCount => Interlocked.Read(ref _retryCount);

    /// <summary>429 answers received from the service.</summary>
    public long ThrottledCount => Interlocked.Read(ref _throttledCount);

    /// <summary>Time spent waiting for the call budget, 429 pauses and retry backoff.</summary>
    public TimeSpan TotalWaitTime => TimeSpan.FromTicks(Interlocked.Read(ref _waitTicks));

    /// <summary>Where sessions take time from; tests replace it with a fake clock.</summary>
    internal static TimeProvider Clock { get; set; } = TimeProvider.System;

    internal TokenSource TokenSource { get; }

    internal DefenderApiClient Client { get; }

    internal RateLimiter Limiter { get; }

    internal RetryPolicy Retry { get; }

    /// <summary>Ids this session's results contained, for tab completion.</summary>
    internal RecentIds RecentIds { get; } = new();

    internal void CountRequest() => Interlocked.Increment(ref _requestCount);

    internal void CountRetry() => Interlocked.Increment(ref _retryCount);

    internal void CountThrottled() => Interlocked.Increment(ref _throttledCount);

    internal void CountWait(TimeSpan wait) => Interlocked.Add(ref _waitTicks, wait.Ticks);

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

/// <summary>The per-session limits Connect-Defender sets.</summary>
internal sealed class SessionLimits
{
    public int MaxCallsPerMinute { get; set; } = 100;

    public int MaxCallsPerHour { get; set; } = 1500;

    public int MaxRetries { get; set; } = 4;

    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(100);
}
