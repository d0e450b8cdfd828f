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

    /// <summary>Server-side throttling of <c>/api/</c> calls; null (default) turns it off.</summary>
    public FakeRateLimit? RateLimit { get; set; }
}

/// <summary>Sliding-window call budgets, shared by all <c>/api/</c> paths (defaults: the service's limits).</summary>
public sealed class FakeRateLimit
{
    public int PerMinute { get; set; } = 100;
    public int PerHour { get; set; } = 1500;
}
