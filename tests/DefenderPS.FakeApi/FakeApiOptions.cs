namespace DefenderPS.FakeApi;

/// <summary>Settings for <see cref="FakeDefenderApi.StartAsync"/>.</summary>
public sealed class FakeApiOptions
{
    public const string DefaultClientId = "11111111-1111-1111-1111-111111111111";
    public const string DefaultClientSecret = "fake-client-secret";

    /// <summary>
    /// Folder searched recursively for <c>*.json</c> recordings. Null: the first <c>tests/recordings</c>
    /// found walking up from <see cref="AppContext.BaseDirectory"/>, or no recordings if there is none.
    /// </summary>
    public string? RecordingsDirectory { get; set; }

    /// <summary>Static bearer token accepted on <c>/api/</c>; null generates a random one.</summary>
    public string? AccessToken { get; set; }

    /// <summary>Static bearer token accepted on the Graph paths (<c>/v1.0/security/runHuntingQuery</c>); null generates a random one.</summary>
    public string? GraphAccessToken { get; set; }

    /// <summary>Advanced hunting calls allowed per minute before the call rate 429 (the service: at least 45); null (default): no limit.</summary>
    public int? HuntingCallsPerMinute { get; set; }

    /// <summary>Port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>Client id to secret, accepted by the token endpoint.</summary>
    public IDictionary<string, string> Clients { get; set; } =
        new Dictionary<string, string> { [DefaultClientId] = DefaultClientSecret };

    /// <summary>Lifetime of tokens issued by the token endpoint (the service's is 3599 s).</summary>
    public TimeSpan IssuedTokenLifetime { get; set; } = TimeSpan.FromSeconds(3599);

    /// <summary>Clock for token expiry, rate-limit windows and request timestamps.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Server-side throttling of <c>/api/</c> calls, one budget for all of them; null (default) turns it off.</summary>
    public FakeRateLimit? RateLimit { get; set; }

    /// <summary>
    /// Server-side throttling per API, as the service counts it: one budget per route template (<c>GET alerts</c>,
    /// <c>GET alerts/{id}/user</c>, see <see cref="RecordedRequest.RouteTemplate"/>), each with these limits unless
    /// <see cref="ApiRateLimits"/> names its own. Null (default) turns it off; it applies on top of <see cref="RateLimit"/>.
    /// </summary>
    public FakeRateLimit? PerApiRateLimit { get; set; }

    /// <summary>
    /// Limits for particular route templates (e.g. <c>["POST alerts/batchUpdate"] = new(10, 500)</c>, or all the documented
    /// ones: <see cref="FakeRateLimit.DocumentedExceptions"/>); these apply even when <see cref="PerApiRateLimit"/> is null.
    /// </summary>
    public IDictionary<string, FakeRateLimit> ApiRateLimits { get; set; } = new Dictionary<string, FakeRateLimit>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Rows in one page of <c>GET /api/alerts</c>, <c>/api/machines</c> and the other lists (the service: 10,000).</summary>
    public int PageSize { get; set; } = DefaultPageSize;

    /// <summary>Largest <c>$top</c> accepted, above it 400 (the service: 10,000).</summary>
    public int MaxTop { get; set; } = DefaultPageSize;

    /// <summary>
    /// Reproduce the service's reported paging bugs: with <c>$top</c> no nextLink ever comes back; without it a full page links
    /// to <c>$skip=PageSize</c> and each later link drops the query's parameter names (losing the filter) and asks for
    /// <c>$skip=PageSize</c> again, forever. False (default): a correct nextLink.
    /// </summary>
    public bool NextLinkQuirks { get; set; }

    /// <summary>How machine actions (isolate, scan, ...) move on: by default 10 s <c>Pending</c>, 20 s <c>InProgress</c>, then <c>Succeeded</c>.</summary>
    public FakeActionSchedule ActionSchedule { get; set; } = new();

    /// <summary>Synthetic alerts added after the recorded ones (deterministic, see <see cref="FakeDefenderApi.SeedAlerts"/>).</summary>
    public int SyntheticAlerts { get; set; }

    /// <summary>Synthetic machines added after the recorded ones (deterministic, see <see cref="FakeDefenderApi.SeedMachines"/>).</summary>
    public int SyntheticMachines { get; set; }

    /// <summary>Synthetic users, seeded before the synthetic alerts so these relate to them (see <see cref="FakeDefenderApi.SeedUsers"/>).</summary>
    public int SyntheticUsers { get; set; }

    internal const int DefaultPageSize = 10000;
}

/// <summary>
/// The schedule of a machine action on the injected clock (<see cref="FakeApiOptions.TimeProvider"/>): <c>Pending</c> for
/// <see cref="PendingFor"/> after it is created, <c>InProgress</c> for <see cref="RunningFor"/> more, then <see cref="Outcome"/>.
/// </summary>
public sealed class FakeActionSchedule
{
    public TimeSpan PendingFor { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan RunningFor { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary><c>Succeeded</c> (default), <c>Failed</c> or <c>TimeOut</c>.</summary>
    public string Outcome { get; set; } = "Succeeded";
}

/// <summary>Sliding-window call budgets (defaults: the service's limits, 100 a minute and 1,500 an hour).</summary>
public sealed class FakeRateLimit
{
    public FakeRateLimit() { }

    public FakeRateLimit(int perMinute, int perHour)
    {
        PerMinute = perMinute;
        PerHour = perHour;
    }

    public int PerMinute { get; set; } = 100;
    public int PerHour { get; set; } = 1500;

    /// <summary>
    /// The APIs whose documented limits differ from 100 a minute and 1,500 an hour, by route template, for
    /// <see cref="FakeApiOptions.ApiRateLimits"/> (a new dictionary each call, so tests can change it). Live response
    /// documents no hourly limit; it gets 600, what its minute limit allows.
    /// </summary>
    public static Dictionary<string, FakeRateLimit> DocumentedExceptions() => new(StringComparer.OrdinalIgnoreCase)
    {
        ["POST alerts/batchUpdate"] = new(10, 500),
        ["GET machineactions/{id}/GetPackageUri"] = new(2, 120),
        ["POST machines/{id}/runliveresponse"] = new(10, 600),
        ["POST advancedqueries/run"] = new(45, 1500),
    };
}
