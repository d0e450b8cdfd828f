using System;
using System.Linq;
using System.Net.Http;
using DefenderPS.Actions;
using DefenderPS.Authentication;
using DefenderPS.Completion;
using DefenderPS.Http;

namespace DefenderPS.Session;

/// <summary>
/// One connection to a Defender tenant: the API root, the token source, the call budget, the retry
/// settings and the request counters. Everything secret stays inside the token source; nothing
/// public here can reveal a token.
/// </summary>
public sealed class DefenderSession
{
    /// <summary>Made by <see cref="SessionFactory"/>, with a token source that already holds the first token.</summary>
    /// <param name="graphTokenSource">Tokens for Microsoft Graph; null when the session has none (-AccessToken without -GraphAccessToken).</param>
    /// <param name="handler">The HTTP handler for both APIs (one connection pool, one proxy).</param>
    internal DefenderSession(
        string name,
        TokenSource tokenSource,
        TokenSource? graphTokenSource,
        Uri apiUri,
        Uri graphUri,
        string? tenantId,
        string? clientId,
        HttpMessageHandler handler,
        SessionLimits limits,
        TimeProvider clock,
        DefenderCloud cloud = DefenderCloud.Global,
        Uri? authority = null)
    {
        Name = name;
        TokenSource = tokenSource;
        GraphTokenSource = graphTokenSource;
        ApiUri = apiUri;
        GraphUri = graphUri;
        TenantId = tenantId;
        ClientId = clientId;
        Cloud = cloud;
        Authority = authority;
        CallBudgets = new CallBudgets(
            limits.BudgetScope,
            limits.CallLimits,
            (api, apiLimits) => SharedBudgets.For(cloud, tenantId, clientId, api, apiLimits, clock),
            () => SharedBudgets.InUse(cloud, tenantId, clientId));
        RetryPolicy = new RetryPolicy(limits.MaxRetries);
        RequestTimeout = limits.RequestTimeout;
        ConnectedAt = clock.GetUtcNow();
        var signInName = tenantId is null ? $"the {tokenSource.Credential}" : $"client '{clientId}' in tenant '{tenantId}'";
        Cache = limits.CacheTtl is { } ttl ? new ResponseCache(ttl, clock) : null;
        Client = new DefenderApiClient(
            apiUri, "api/", handler, tokenSource, CallBudgets, RetryPolicy, RequestTimeout, clock, Counters, RecentIds.Remember, ToString(), signInName, Cache);

        Actions = new ResponseActions(Client, clock);

        // Made only with the first Graph call: a session that never hunts never asks for a Graph token.
        _graphClient = new Lazy<DefenderApiClient?>(() => graphTokenSource is null
            ? null
            : new DefenderApiClient(
                graphUri, string.Empty, handler, graphTokenSource, CallBudgets, RetryPolicy, GraphTimeout(RequestTimeout), clock, Counters, null, ToString(), signInName));
    }

    private readonly Lazy<DefenderApiClient?> _graphClient;

    /// <summary>A hunting query may run up to the service's 3 minutes: Graph calls wait at least that long (and 20 s more) for an answer.</summary>
    private static TimeSpan GraphTimeout(TimeSpan requestTimeout)
    {
        var queryLimit = HuntingQuery.ServiceQueryLimit + TimeSpan.FromSeconds(20);
        return requestTimeout > queryLimit ? requestTimeout : queryLimit;
    }

    public Guid Id { get; } = Guid.NewGuid();

    /// <summary>What tells sessions apart in Get-DefenderSession -All: Connect-Defender -Name, else tenant/app, or "demo".</summary>
    public string Name { get; }

    /// <summary>Whether cmdlets in this runspace use this session when -Session is not given.</summary>
    public bool IsDefault => ReferenceEquals(DefaultSession.Get(), this);

    public string? TenantId { get; }

    public string? ClientId { get; }

    public AuthenticationKind AuthenticationKind => TokenSource.Kind;

    /// <summary>What proves the identity (a certificate's subject and thumbprint, a secret's vault...), never the secret itself.</summary>
    public string Credential => TokenSource.Credential;

    public DefenderCloud Cloud { get; }

    public Uri ApiUri { get; }

    /// <summary>Microsoft Graph's root, for the calls that moved there (advanced hunting).</summary>
    public Uri GraphUri { get; }

    /// <summary>When the current Microsoft Graph token expires; null before the first Graph call or when not known.</summary>
    public DateTimeOffset? GraphTokenExpiresOn => GraphTokenSource?.ExpiresOn;

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

    /// <summary>PerApi (a budget for each API, with its documented limits) or Shared (one budget for every call).</summary>
    public BudgetScope BudgetScope => CallBudgets.Scope;

    /// <summary>The calls a minute of each budget, unless the API documents other limits (-MaxCallsPerMinute sets them all).</summary>
    public int MaxCallsPerMinute => CallBudgets.DefaultLimits.PerMinute;

    public int MaxCallsPerHour => CallBudgets.DefaultLimits.PerHour;

    /// <summary>The fewest calls left this minute in any budget this session has used: how far the tightest API can go.</summary>
    public int CallsLeftThisMinute => FewestLeft(budget => budget.LeftThisMinute, MaxCallsPerMinute);

    public int CallsLeftThisHour => FewestLeft(budget => budget.LeftThisHour, MaxCallsPerHour);

    /// <summary>The budgets this session has used, one per API (or one for all with -BudgetScope Shared), with limits, calls left and waits.</summary>
    public CallBudget[] Budgets => CallBudgets.InUse.Select(b => new CallBudget(b.Key, b.Value)).ToArray();

    public int MaxRetries => RetryPolicy.MaxRetries;

    public TimeSpan RequestTimeout { get; }

    /// <summary>Requests sent, including retries.</summary>
    public long RequestCount => Counters.Requests;

    public long RetryCount => Counters.Retries;

    /// <summary>429 answers received from the service.</summary>
    public long ThrottledCount => Counters.Throttled;

    /// <summary>Time spent waiting for the call budget, 429 pauses and retry backoff.</summary>
    public TimeSpan TotalWaitTime => Counters.WaitTime;

    /// <summary>How long GET answers are kept (Connect-Defender -CacheTtl); null when the cache is off, the default.</summary>
    public TimeSpan? CacheTtl => Cache?.TimeToLive;

    /// <summary>Lookups answered from the session cache instead of the API.</summary>
    public long CacheHits => Counters.CacheHits;

    internal TokenSource TokenSource { get; }

    internal DefenderApiClient Client { get; }

    internal TokenSource? GraphTokenSource { get; }

    /// <summary>The client for Microsoft Graph calls; null when the session has no Graph token (-AccessToken without -GraphAccessToken).</summary>
    internal DefenderApiClient? GraphClient => _graphClient.Value;

    internal CallBudgets CallBudgets { get; }

    internal RetryPolicy RetryPolicy { get; }

    internal RequestCounters Counters { get; } = new();

    /// <summary>The GET answers kept for -CacheTtl; null when the cache is off.</summary>
    internal ResponseCache? Cache { get; }

    /// <summary>Ids this session's results contained, for tab completion.</summary>
    internal RecentIds RecentIds { get; } = new();

    /// <summary>Starts machine actions (never one twice) and waits for them.</summary>
    internal ResponseActions Actions { get; }

    /// <summary>The fewest calls left in any budget in use; a session that has called nothing has its whole budget.</summary>
    private int FewestLeft(Func<RateLimiter, int> left, int whole)
    {
        var inUse = CallBudgets.InUse;
        return inUse.Count == 0 ? whole : inUse.Min(budget => left(budget.Value));
    }

    internal void Disconnect()
    {
        IsConnected = false;
        TokenSource.Dispose();
        GraphTokenSource?.Dispose();
        Client.Dispose();
        if (_graphClient.IsValueCreated)
        {
            _graphClient.Value?.Dispose();
        }
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
    public BudgetScope BudgetScope { get; set; } = BudgetScope.PerApi;

    /// <summary>-MaxCallsPerMinute/-MaxCallsPerHour: the limits of every budget; null keeps each API's documented limits.</summary>
    public CallLimits? CallLimits { get; set; }

    public int MaxRetries { get; set; } = 4;

    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>-CacheTtl: how long GET answers are kept across commands; null (the default) keeps none.</summary>
    public TimeSpan? CacheTtl { get; set; }
}
