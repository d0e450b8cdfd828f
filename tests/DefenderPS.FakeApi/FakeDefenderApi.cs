using System.Collections.Concurrent;
using System.Net;
using DefenderPS.Demo;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DefenderPS.FakeApi;

/// <summary>
/// An in-process stand-in for the Defender for Endpoint API and its Entra ID token endpoint,
/// answering from recorded responses, entity sets (the list endpoints, see <see cref="EntityApi"/>),
/// scripted faults and optional throttling, globally or per API.
/// </summary>
public sealed partial class FakeDefenderApi : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HuntingEndpoint _hunting;
    private readonly RecordingStore _recordings;
    private readonly TokenEndpoint _tokens;
    private readonly RateLimiter? _rateLimiter;
    private readonly ConcurrentDictionary<string, FakeRateLimit> _apiRateLimits = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, RateLimiter?> _apiRateLimiters = new(StringComparer.OrdinalIgnoreCase);
    private readonly EntityEndpoints _entities;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<RequestKey, ConcurrentQueue<FakeResponse>> _scripted = new();
    private readonly List<RecordedRequest> _requests = [];
    private string _baseUrl = "";
    private int _tokenRequestCount;
    private int _throttledCount;

    private FakeDefenderApi(WebApplication app, FakeApiOptions options, RecordingStore recordings)
    {
        _app = app;
        _hunting = new HuntingEndpoint(options);
        _time = options.TimeProvider;
        _recordings = recordings;
        _tokens = new TokenEndpoint(options.Clients, options.IssuedTokenLifetime, _time);
        _rateLimiter = options.RateLimit is { } limit ? new RateLimiter(limit) : null;
        _entities = new EntityEndpoints(recordings.Alerts, recordings.Machines, recordings.Users, new ODataPaging(), _time);
        ActionSchedule = options.ActionSchedule;
        PageSize = options.PageSize;
        MaxTop = options.MaxTop;
        NextLinkQuirks = options.NextLinkQuirks;
        _entities.SeedMachines(options.SyntheticMachines);
        _entities.SeedUsers(options.SyntheticUsers);
        _entities.SeedAlerts(options.SyntheticAlerts);
        AccessToken = options.AccessToken ?? TokenEndpoint.NewToken();
        PerApiRateLimit = options.PerApiRateLimit;
        foreach (var (template, apiLimit) in options.ApiRateLimits)
        {
            SetApiRateLimit(template, apiLimit);
        }
    }

    /// <summary><c>http://127.0.0.1:PORT/</c></summary>
    public Uri BaseUri => new(_baseUrl + "/");

    /// <summary>The static bearer token accepted on <c>/api/</c> (tokens from the token endpoint work too).</summary>
    public string AccessToken { get; }

    /// <summary>Snapshot of the requests received so far, in arrival order.</summary>
    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return _requests.ToArray();
            }
        }
    }

    /// <summary>Lifetime of tokens the token endpoint issues from now on (see <see cref="FakeApiOptions.IssuedTokenLifetime"/>).</summary>
    public TimeSpan IssuedTokenLifetime
    {
        get => _tokens.Lifetime;
        set => _tokens.Lifetime = value;
    }

    /// <summary>Lets <paramref name="clientId"/> sign client assertions with <paramref name="certificate"/> (its public key is what counts).</summary>
    public void AddClientCertificate(string clientId, System.Security.Cryptography.X509Certificates.X509Certificate2 certificate) =>
        _tokens.AddCertificate(clientId, certificate);

    /// <summary>Accepts <paramref name="assertion"/> as a federated credential of <paramref name="clientId"/>, as a federated identity credential would.</summary>
    public void AcceptFederatedAssertion(string clientId, string assertion) => _tokens.AcceptFederatedAssertion(clientId, assertion);

    public void RevokeFederatedAssertion(string clientId, string assertion) => _tokens.RevokeFederatedAssertion(clientId, assertion);

    /// <summary>What to set IDENTITY_ENDPOINT to, so MSAL's managed identity (App Service flavour) asks this fake.</summary>
    public Uri ManagedIdentityEndpoint => new(BaseUri, TokenEndpoint.ManagedIdentityPath.TrimStart('/'));

    /// <summary>What to set IDENTITY_HEADER to.</summary>
    public string ManagedIdentityHeader => _tokens.ManagedIdentityHeader;

    /// <summary>How many polls of a device code answer authorization_pending before the user has "signed in" (default 1).</summary>
    public int DeviceCodePendingPolls
    {
        get => _tokens.DeviceCodePendingPolls;
        set => _tokens.DeviceCodePendingPolls = value;
    }

    /// <summary>The user code the device code endpoint hands out.</summary>
    public static string DeviceUserCode => TokenEndpoint.UserCode;

    /// <summary>Every access token the token and managed identity endpoints issued, for secret-hygiene checks.</summary>
    public IReadOnlyCollection<string> IssuedTokens => _tokens.IssuedTokens;

    /// <summary>POSTs to the token endpoint, valid or not.</summary>
    public int TokenRequestCount => Volatile.Read(ref _tokenRequestCount);

    /// <summary>429 responses sent, whether from the rate limit, a script or a recording.</summary>
    public int ThrottledCount => Volatile.Read(ref _throttledCount);

    /// <summary>Rows per page of the list endpoints (see <see cref="FakeApiOptions.PageSize"/>); may change between requests.</summary>
    public int PageSize
    {
        get => _entities.Paging.PageSize;
        set => _entities.Paging.PageSize = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), "The page size must be positive.");
    }

    /// <summary>Largest <c>$top</c> accepted (see <see cref="FakeApiOptions.MaxTop"/>).</summary>
    public int MaxTop
    {
        get => _entities.Paging.MaxTop;
        set => _entities.Paging.MaxTop = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), "$top's maximum must be positive.");
    }

    /// <summary>The service's nextLink bugs on or off (see <see cref="FakeApiOptions.NextLinkQuirks"/>).</summary>
    public bool NextLinkQuirks
    {
        get => _entities.Paging.NextLinkQuirks;
        set => _entities.Paging.NextLinkQuirks = value;
    }

    /// <summary>
    /// Adds <paramref name="count"/> synthetic alerts after those already served: alert n (counting from the first ever
    /// seeded) has severity Informational/Low/Medium/High by n % 4, status New/InProgress/Resolved by n % 3, is created
    /// n minutes after 2023-01-01, sits on synthetic machine n % machines (a recorded one if none was seeded) and relates
    /// to synthetic user n % users (nobody if none was seeded), who is its one logged-on user.
    /// </summary>
    public void SeedAlerts(int count) => _entities.SeedAlerts(count);

    /// <summary>Adds <paramref name="count"/> synthetic machines: <c>syn-000000.contoso.com</c> on, tagged <c>Synthetic</c> and <c>Batch{n / 1000}</c>.</summary>
    public void SeedMachines(int count) => _entities.SeedMachines(count);

    /// <summary>
    /// Adds <paramref name="count"/> synthetic users, <c>contoso\syn-user-0000</c> on: seed them before the alerts that
    /// should relate to them. Their relations come from the alerts: <c>/alerts/{id}/user</c>, <c>/users/{name}/alerts</c>,
    /// <c>/users/{name}/machines</c> and <c>/machines/{id}/logonusers</c> all answer.
    /// </summary>
    public void SeedUsers(int count) => _entities.SeedUsers(count);

    /// <summary>
    /// The schedule of machine actions created from now on (see <see cref="FakeApiOptions.ActionSchedule"/>); actions already
    /// created keep theirs. Reading it gives a copy: set a new one to change it.
    /// </summary>
    public FakeActionSchedule ActionSchedule
    {
        get
        {
            var schedule = _entities.ActionSchedule;
            return new FakeActionSchedule { PendingFor = schedule.PendingFor, RunningFor = schedule.RunningFor, Outcome = schedule.Outcome };
        }

        set
        {
            ArgumentNullException.ThrowIfNull(value);
            _entities.ActionSchedule = new ActionSchedule(value.PendingFor, value.RunningFor, value.Outcome);
        }
    }

    /// <summary>
    /// The outcome (<c>Succeeded</c>, <c>Failed</c> or <c>TimeOut</c>) of machine actions created from now on for the machine
    /// with id <paramref name="machineId"/>, instead of the schedule's; null goes back to the schedule's.
    /// </summary>
    public void SetActionOutcome(string machineId, string? outcome) => _entities.SetActionOutcome(machineId, outcome);

    /// <summary>Alerts and machines the list endpoints serve.</summary>
    public int AlertCount => _recordings.Alerts.Count;

    public int MachineCount => _recordings.Machines.Count;

    public int UserCount => _recordings.Users.Count;

    /// <summary>Limits each API gets unless <see cref="SetApiRateLimit"/> named its own; null: no per-API throttling.</summary>
    public FakeRateLimit? PerApiRateLimit
    {
        get;
        set
        {
            field = value is { PerMinute: <= 0 } or { PerHour: <= 0 } ? throw new ArgumentOutOfRangeException(nameof(value), "Rate limits must be positive.") : value;
            _apiRateLimiters.Clear();
        }
    }

    /// <summary>Gives one API (a route template such as <c>GET alerts/{id}/user</c>) its own limits; null returns it to <see cref="PerApiRateLimit"/>. Resets its count.</summary>
    public void SetApiRateLimit(string routeTemplate, FakeRateLimit? limit)
    {
        if (limit is { PerMinute: <= 0 } or { PerHour: <= 0 })
        {
            throw new ArgumentOutOfRangeException(nameof(limit), "Rate limits must be positive.");
        }

        if (limit is null)
        {
            _apiRateLimits.TryRemove(routeTemplate, out _);
        }
        else
        {
            _apiRateLimits[routeTemplate] = limit;
        }

        _apiRateLimiters.TryRemove(routeTemplate, out _);
    }

    private RateLimiter? ApiRateLimiter(string? template) =>
        template is null ? null : _apiRateLimiters.GetOrAdd(template, t =>
            _apiRateLimits.TryGetValue(t, out var own) ? new RateLimiter(own)
            : PerApiRateLimit is { } shared ? new RateLimiter(shared)
            : null);

    public static async Task<FakeDefenderApi> StartAsync(FakeApiOptions? options = null)
    {
        options ??= new FakeApiOptions();
        if (options.RateLimit is { PerMinute: <= 0 } or { PerHour: <= 0 })
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Rate limits must be positive.");
        }

        var recordings = RecordingStore.Load(options.RecordingsDirectory ?? RecordingStore.FindDefaultDirectory());

        // The empty builder skips configuration files, environment variables and logging providers:
        // quick to start, and nothing from the machine leaks in.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;

            // HTTP/1.1 only, so Reset and AbortMidBody mean the same thing to every client.
            kestrel.Listen(IPAddress.Loopback, options.Port, listen => listen.Protocols = HttpProtocols.Http1);
        });

        // The fake must not react to the signals of the process hosting it (a test runner, say).
        builder.Services.AddSingleton<IHostLifetime, NoSignalLifetime>();

        var app = builder.Build();
        var api = new FakeDefenderApi(app, options, recordings);
        app.Run(api.HandleAsync);
        await app.StartAsync();
        api._baseUrl = app.Urls.Single().TrimEnd('/');
        return api;
    }

    public void ClearRequests()
    {
        lock (_requests)
        {
            _requests.Clear();
        }
    }

    /// <summary>
    /// Queues responses for the next matching requests, served ahead of everything else (auth,
    /// throttling, recordings); once used up, the request is answered normally again.
    /// </summary>
    /// <param name="pathAndQuery">As in a URL, e.g. <c>/api/machines/abc/logonusers?$top=1</c>; may be percent-encoded.</param>
    public void Enqueue(string method, string pathAndQuery, params FakeResponse[] responses)
    {
        var queue = _scripted.GetOrAdd(RequestKey.Parse(method, pathAndQuery), _ => new ConcurrentQueue<FakeResponse>());
        foreach (var response in responses)
        {
            queue.Enqueue(response);
        }
    }

    /// <summary>Adds (or replaces) a recording; <paramref name="path"/> is the decoded path, as in recording files.</summary>
    public void AddRecording(string method, string path, int status, string jsonBody, string? query = null) =>
        _recordings.Set(RequestKey.Create(method, path, query), FakeResponse.Json(status, jsonBody));

    public async ValueTask DisposeAsync()
    {
        // Stopping fires ApplicationStopping, which releases hanging and delayed responses.
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var rawTarget = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;

        // A client sending through a proxy names the whole URI (absolute form); the fake then plays the proxy too.
        var viaProxy = rawTarget.StartsWith("http://", StringComparison.OrdinalIgnoreCase);
        var originTarget = viaProxy ? new Uri(rawTarget).PathAndQuery : rawTarget;
        var rawPath = originTarget.Split('?', 2)[0];
        var decodedPath = Uri.UnescapeDataString(rawPath);
        var template = ApiRoutes.Match(request.Method, decodedPath, out var routeId);
        var query = request.QueryString.HasValue ? request.QueryString.Value![1..] : null;
        var timestamp = _time.GetUtcNow();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _app.Lifetime.ApplicationStopping);

        // A test in another process scripting the fake: no token needed, and kept out of the log it reads.
        if (ControlEndpoints.IsControlPath(decodedPath))
        {
            await ControlEndpoints.HandleAsync(this, context, decodedPath, cancel.Token);
            return;
        }

        if (TokenEndpoint.IsTokenRequest(request.Method, decodedPath))
        {
            Interlocked.Increment(ref _tokenRequestCount);
        }

        // API bodies only: a token request's body holds secrets (its form is logged without them).
        var body = !HttpMethods.IsGet(request.Method) && decodedPath.StartsWith("/api/", StringComparison.OrdinalIgnoreCase)
            ? await ReadBodyAsync(request, cancel.Token)
            : null;
        var (response, form) = viaProxy && !ProxyAuthorized(request.Headers.ProxyAuthorization.ToString())
            ? (FakeResponse.Status(StatusCodes.Status407ProxyAuthenticationRequired, headers: new Dictionary<string, string> { ["Proxy-Authenticate"] = "Basic realm=\"fake\"" }), null)
            : body is { Length: > MaxBodyChars }
            ? (FakeResponse.Status(StatusCodes.Status413PayloadTooLarge), null)
            : await ChooseResponseAsync(context, decodedPath, RequestKey.Create(request.Method, decodedPath, query), new Route(template, routeId, rawPath, query, body), cancel.Token);
        if (response.LoggedStatus == StatusCodes.Status429TooManyRequests)
        {
            Interlocked.Increment(ref _throttledCount);
        }

        // Logged before the response is written, so a test that has its answer also sees the entry.
        var entry = new RecordedRequest(request.Method, rawTarget, decodedPath, query, request.Headers.Authorization.Count > 0, timestamp, response.LoggedStatus, form, viaProxy, template, body);
        lock (_requests)
        {
            _requests.Add(entry);
        }

        await response.WriteAsync(context, _baseUrl, cancel.Token);
    }

    private async Task<(FakeResponse Response, IReadOnlyDictionary<string, string>? Form)> ChooseResponseAsync(
        HttpContext context, string decodedPath, RequestKey key, Route route, CancellationToken cancel)
    {
        var scripted = _scripted.TryGetValue(key, out var queue) && queue.TryDequeue(out var next) ? next : null;
        if (HuntingEndpoint.IsHuntingPath(decodedPath))
        {
            return await _hunting.HandleAsync(context, scripted, CheckGraphToken, cancel);
        }

        if (scripted is { ServesRequestFirst: false })
        {
            return (scripted, null);
        }

        var (answer, form) = await AnswerAsync(context, decodedPath, key, route, cancel);
        return (scripted ?? answer, form);
    }

    /// <summary>What the fake answers when no script says otherwise: token endpoints, auth, throttling, recordings, entity sets, 404.</summary>
    private async Task<(FakeResponse Response, IReadOnlyDictionary<string, string>? Form)> AnswerAsync(
        HttpContext context, string decodedPath, RequestKey key, Route route, CancellationToken cancel)
    {
        if (!decodedPath.StartsWith("/api/", StringComparison.OrdinalIgnoreCase))
        {
            return await _tokens.HandleAsync(context, decodedPath, cancel) ?? (NotFound(), null);
        }

        if (!IsAuthorized(context.Request.Headers.Authorization.ToString()))
        {
            return (FakeResponse.Error(StatusCodes.Status401Unauthorized, "Unauthorized", "Authorization has been denied for this request."), null);
        }

        var response = RateLimiter.TryAcquire(_time.GetUtcNow(), _rateLimiter, ApiRateLimiter(route.Template))
            ?? _recordings.Find(key)
            ?? _entities.Handle(route.Template, route.Id, route.RawPath, route.Query, route.Body)
            ?? NotFound();
        return (response, null);
    }

    /// <param name="Template">The route template matched (see <see cref="ApiRoutes"/>), null if none.</param>
    /// <param name="RawPath">The path as sent, percent-encoding kept.</param>
    /// <param name="Body">The body of an API request other than GET; null without one.</param>
    private readonly record struct Route(string? Template, string? Id, string RawPath, string? Query, string? Body);

    /// <summary>The largest API request body read, in characters; a longer one is answered 413 (and logged cut to one char past it).</summary>
    internal const int MaxBodyChars = 1 << 20;

    /// <summary>The body as text, null when empty; read no further than one char past <see cref="MaxBodyChars"/>.</summary>
    private static async Task<string?> ReadBodyAsync(HttpRequest request, CancellationToken cancel)
    {
        using var reader = new StreamReader(request.Body, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
        var text = new System.Text.StringBuilder();
        var buffer = new char[4096];
        int read;
        while (text.Length <= MaxBodyChars && (read = await reader.ReadAsync(buffer.AsMemory(), cancel)) > 0)
        {
            text.Append(buffer, 0, Math.Min(read, MaxBodyChars + 1 - text.Length));
        }

        return text.Length == 0 ? null : text.ToString();
    }

    /// <summary>User name and password the fake, acting as a proxy, demands (407 until they come); null lets everyone through.</summary>
    public (string User, string Password)? ProxyCredential { get; set; }

    private bool ProxyAuthorized(string header) =>
        ProxyCredential is not { } credential
        || header == "Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{credential.User}:{credential.Password}"));

    private bool IsAuthorized(string authorization)
    {
        const string Scheme = "Bearer ";
        if (!authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var token = authorization[Scheme.Length..].Trim();
        return token == AccessToken || (_tokens.IsIssuedAndValid(token) && !HuntingEndpoint.IsGraphScope(_tokens.AudienceOf(token)));
    }

    private static FakeResponse NotFound() =>
        FakeResponse.Error(StatusCodes.Status404NotFound, "ResourceNotFound", "Resource was not found");

    private sealed class NoSignalLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>One request as the fake received it. The bearer token itself is never kept.</summary>
/// <param name="RawTarget">The request target exactly as on the wire, percent-encoding preserved.</param>
/// <param name="Query">The raw query without <c>?</c>, or null when there is none.</param>
/// <param name="ResponseStatus">Status sent; 0 when the fake closed the connection without one.</param>
/// <param name="Form">Token requests: the form fields, without <c>client_secret</c>; Graph hunting requests: the JSON body's properties (Query, Timespan).</param>
/// <param name="ViaProxy">The request came in proxy form (an absolute URI as target): the client used the fake as its proxy.</param>
/// <param name="RouteTemplate">The API it called, as the service counts rate limits (<c>GET alerts/{id}/user</c>); null for paths that are no known API.</param>
/// <param name="Body">The body of an API request other than GET (a response action's <c>{"Comment":...}</c>), as sent; null without one.</param>
public sealed record RecordedRequest(
    string Method,
    string RawTarget,
    string DecodedPath,
    string? Query,
    bool HasAuthorization,
    DateTimeOffset Timestamp,
    int ResponseStatus,
    IReadOnlyDictionary<string, string>? Form = null,
    bool ViaProxy = false,
    string? RouteTemplate = null,
    string? Body = null);
