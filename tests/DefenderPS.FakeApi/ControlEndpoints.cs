using System.Text.Encodings.Web;
using System.Text.Json;
using DefenderPS.Demo;
using Microsoft.AspNetCore.Http;

namespace DefenderPS.FakeApi;

/// <summary>
/// Lets a test in another process (Pester) script the fake as in-process tests do:
/// <c>POST /_fake/enqueue</c> (like <see cref="FakeDefenderApi.Enqueue"/>), <c>GET /_fake/requests</c>
/// (the request log, with each request's <c>routeTemplate</c>, <c>form</c>: a token request's fields without secrets, a
/// hunting query's body, and <c>body</c>: an API request's body as sent, null for GETs), <c>POST /_fake/clear</c> (empties the log),
/// <c>POST /_fake/paging</c> <c>{"pageSize":50,"maxTop":10000,"nextLinkQuirks":true}</c> (any subset),
/// <c>POST /_fake/seed</c> <c>{"machines":120,"users":50,"alerts":25000}</c> (machines, then users, then alerts, as
/// <see cref="FakeDefenderApi.SeedAlerts"/> and the others; answers the new totals)
/// and <c>POST /_fake/ratelimits</c> <c>{"perApi":{"perMinute":100,"perHour":1500},"apis":{"GET alerts":{"perMinute":5,"perHour":20}}}</c>
/// (per-API limits: <c>perApi</c> replaces <see cref="FakeDefenderApi.PerApiRateLimit"/>, null turns it off; each of <c>apis</c>,
/// null to drop it, goes to <see cref="FakeDefenderApi.SetApiRateLimit"/>)
/// and <c>POST /_fake/actions</c> <c>{"pendingSeconds":0,"runningSeconds":1,"outcome":"Succeeded","machines":{"&lt;id&gt;":"Failed"}}</c>
/// (any subset: the schedule of machine actions created from then on, see <see cref="FakeDefenderApi.ActionSchedule"/>, and
/// per-machine outcomes, null to drop one, see <see cref="FakeDefenderApi.SetActionOutcome"/>; answers the schedule).
/// They need no token and are never logged.
/// </summary>
/// <remarks>
/// Enqueue body: <c>{"method":"GET","pathAndQuery":"/api/alerts/x/user","responses":[...]}</c>, each response one of
/// <c>{"kind":"status","status":503,"retryAfterSeconds":2}</c>, <c>{"kind":"json","status":200,"body":"{...}"}</c>,
/// <c>{"kind":"text","status":200,"body":"{\"id\":"}</c>, <c>{"kind":"error","status":409,"code":"Conflict","message":"No."}</c>,
/// <c>{"kind":"abortMidBody","body":"..."}</c>, <c>{"kind":"reset"}</c>, <c>{"kind":"actThenReset"}</c> (does what the request
/// asks, then drops the connection: see <see cref="FakeResponse.ActThenReset"/>) or <c>{"kind":"hang"}</c>.
/// </remarks>
internal static class ControlEndpoints
{
    private const string Prefix = "/_fake/";

    // camelCase, case-insensitive; error messages keep their quotes readable.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static bool IsControlPath(string decodedPath) => decodedPath.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase);

    public static async Task HandleAsync(FakeDefenderApi api, HttpContext context, string decodedPath, CancellationToken cancel)
    {
        var method = context.Request.Method;
        switch (decodedPath[Prefix.Length..].ToLowerInvariant())
        {
            case "enqueue" when HttpMethods.IsPost(method):
                await EnqueueAsync(api, context, cancel);
                break;
            case "requests" when HttpMethods.IsGet(method):
                var log = api.Requests.Select(r => new { r.Method, r.RawTarget, Status = r.ResponseStatus, r.Timestamp, r.RouteTemplate, r.Form, r.Body });
                await context.Response.WriteAsJsonAsync(log, Json, cancel);
                break;
            case "clear" when HttpMethods.IsPost(method):
                api.ClearRequests();
                context.Response.StatusCode = StatusCodes.Status204NoContent;
                break;
            case "paging" when HttpMethods.IsPost(method):
                await ConfigureAsync<PagingBody>(context, cancel, body =>
                {
                    api.PageSize = body.PageSize ?? api.PageSize;
                    api.MaxTop = body.MaxTop ?? api.MaxTop;
                    api.NextLinkQuirks = body.NextLinkQuirks ?? api.NextLinkQuirks;
                    return new { api.PageSize, api.MaxTop, api.NextLinkQuirks };
                });
                break;
            case "seed" when HttpMethods.IsPost(method):
                await ConfigureAsync<SeedBody>(context, cancel, body =>
                {
                    if (body.Machines is < 0 || body.Users is < 0 || body.Alerts is < 0)
                    {
                        throw new InvalidDataException("Counts must not be negative.");
                    }

                    api.SeedMachines(body.Machines ?? 0);
                    api.SeedUsers(body.Users ?? 0);
                    api.SeedAlerts(body.Alerts ?? 0);
                    return new { Alerts = api.AlertCount, Machines = api.MachineCount, Users = api.UserCount };
                });
                break;
            case "ratelimits" when HttpMethods.IsPost(method):
                await ConfigureAsync<RateLimitsBody>(context, cancel, body =>
                {
                    if (body.PerApi.ValueKind != JsonValueKind.Undefined)
                    {
                        api.PerApiRateLimit = body.PerApi.Deserialize<FakeRateLimit?>(Json);
                    }

                    foreach (var (template, limit) in body.Apis ?? [])
                    {
                        api.SetApiRateLimit(template, limit);
                    }

                    return new { api.PerApiRateLimit };
                });
                break;
            case "actions" when HttpMethods.IsPost(method):
                await ConfigureAsync<ActionsBody>(context, cancel, body =>
                {
                    // Everything checked before anything changes, so a bad body changes nothing.
                    var current = api.ActionSchedule;
                    var schedule = new ActionSchedule(
                        body.PendingSeconds is { } pending ? TimeSpan.FromSeconds(pending) : current.PendingFor,
                        body.RunningSeconds is { } running ? TimeSpan.FromSeconds(running) : current.RunningFor,
                        body.Outcome ?? current.Outcome);
                    foreach (var outcome in (body.Machines ?? []).Values.OfType<string>())
                    {
                        ActionSchedule.CheckOutcome(outcome);
                    }

                    api.ActionSchedule = new FakeActionSchedule { PendingFor = schedule.PendingFor, RunningFor = schedule.RunningFor, Outcome = schedule.Outcome };
                    foreach (var (machineId, outcome) in body.Machines ?? [])
                    {
                        api.SetActionOutcome(machineId, outcome);
                    }

                    return new { PendingSeconds = schedule.PendingFor.TotalSeconds, RunningSeconds = schedule.RunningFor.TotalSeconds, schedule.Outcome };
                });
                break;
            case "enqueue" or "requests" or "clear" or "paging" or "seed" or "ratelimits" or "actions":
                context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
                break;
            default:
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                break;
        }
    }

    private static async Task EnqueueAsync(FakeDefenderApi api, HttpContext context, CancellationToken cancel)
    {
        try
        {
            var body = await JsonSerializer.DeserializeAsync<EnqueueBody>(context.Request.Body, Json, cancel);
            if (body is not { Method: { Length: > 0 }, PathAndQuery: ['/', ..], Responses: { Count: > 0 } })
            {
                throw new InvalidDataException("Expected {\"method\", \"pathAndQuery\" (starting with /), \"responses\": [at least one]}.");
            }

            // All checked before any is queued, so a bad body changes nothing.
            var responses = body.Responses.Select(ToResponse).ToArray();
            api.Enqueue(body.Method, body.PathAndQuery, responses);
            context.Response.StatusCode = StatusCodes.Status204NoContent;
        }
        catch (Exception e) when (e is JsonException or InvalidDataException)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsJsonAsync(new { error = e.Message }, Json, cancel);
        }
    }

    /// <summary>Reads the body, applies it and answers the resulting settings; a bad body is 400 and changes nothing it reached.</summary>
    private static async Task ConfigureAsync<TBody>(HttpContext context, CancellationToken cancel, Func<TBody, object> apply)
    {
        try
        {
            var body = await JsonSerializer.DeserializeAsync<TBody>(context.Request.Body, Json, cancel)
                ?? throw new InvalidDataException("Expected a JSON object.");
            await context.Response.WriteAsJsonAsync(apply(body), Json, cancel);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or ArgumentException)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsJsonAsync(new { error = e.Message }, Json, cancel);
        }
    }

    private static FakeResponse ToResponse(ResponseSpec spec) => spec.Kind?.ToLowerInvariant() switch
    {
        "status" => FakeResponse.Status(spec.Status ?? Missing<int>("status"), spec.RetryAfterSeconds),
        "json" => FakeResponse.Json(spec.Status ?? StatusCodes.Status200OK, spec.Body ?? Missing<string>("body")),
        "text" => FakeResponse.Text(spec.Status ?? StatusCodes.Status200OK, spec.Body ?? ""),
        "error" => FakeResponse.Error(spec.Status ?? Missing<int>("status"), spec.Code ?? "Error", spec.Message ?? "Scripted error."),
        "abortmidbody" => FakeResponse.AbortMidBody(spec.Body ?? ""),
        "reset" => FakeResponse.Reset(),
        "actthenreset" => FakeResponse.ActThenReset(),
        "hang" => FakeResponse.Hang(),
        _ => throw new InvalidDataException($"Unknown response kind '{spec.Kind}': use status, json, text, error, abortMidBody, reset, actThenReset or hang."),
    };

    private static T Missing<T>(string name) => throw new InvalidDataException($"\"{name}\" is missing.");
}

internal sealed record EnqueueBody(string? Method, string? PathAndQuery, List<ResponseSpec>? Responses);

internal sealed record PagingBody(int? PageSize, int? MaxTop, bool? NextLinkQuirks);

internal sealed record SeedBody(int? Alerts, int? Machines, int? Users);

/// <param name="Machines">Machine id to its actions' outcome; a null outcome goes back to the schedule's.</param>
internal sealed record ActionsBody(double? PendingSeconds, double? RunningSeconds, string? Outcome, Dictionary<string, string?>? Machines);

/// <param name="PerApi">Undefined when absent (left as is), Null to turn per-API limits off.</param>
internal sealed record RateLimitsBody(JsonElement PerApi, Dictionary<string, FakeRateLimit?>? Apis);

internal sealed record ResponseSpec(string? Kind, int? Status, int? RetryAfterSeconds, string? Body, string? Code, string? Message);
