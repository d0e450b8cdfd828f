using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace DefenderPS.FakeApi;

/// <summary>
/// Lets a test in another process (Pester) script the fake as in-process tests do:
/// <c>POST /_fake/enqueue</c> (like <see cref="FakeDefenderApi.Enqueue"/>), <c>GET /_fake/requests</c>
/// (the request log) and <c>POST /_fake/clear</c> (empties the log). They need no token and are never logged.
/// </summary>
/// <remarks>
/// Enqueue body: <c>{"method":"GET","pathAndQuery":"/api/alerts/x/user","responses":[...]}</c>, each response one of
/// <c>{"kind":"status","status":503,"retryAfterSeconds":2}</c>, <c>{"kind":"json","status":200,"body":"{...}"}</c>,
/// <c>{"kind":"text","status":200,"body":"{\"id\":"}</c>, <c>{"kind":"error","status":409,"code":"Conflict","message":"No."}</c>,
/// <c>{"kind":"abortMidBody","body":"..."}</c>, <c>{"kind":"reset"}</c> or <c>{"kind":"hang"}</c>.
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
                var log = api.Requests.Select(r => new { r.Method, r.RawTarget, Status = r.ResponseStatus, r.Timestamp });
                await context.Response.WriteAsJsonAsync(log, Json, cancel);
                break;
            case "clear" when HttpMethods.IsPost(method):
                api.ClearRequests();
                context.Response.StatusCode = StatusCodes.Status204NoContent;
                break;
            case "enqueue" or "requests" or "clear":
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

    private static FakeResponse ToResponse(ResponseSpec spec) => spec.Kind?.ToLowerInvariant() switch
    {
        "status" => FakeResponse.Status(spec.Status ?? Missing<int>("status"), spec.RetryAfterSeconds),
        "json" => FakeResponse.Json(spec.Status ?? StatusCodes.Status200OK, spec.Body ?? Missing<string>("body")),
        "text" => FakeResponse.Text(spec.Status ?? StatusCodes.Status200OK, spec.Body ?? ""),
        "error" => FakeResponse.Error(spec.Status ?? Missing<int>("status"), spec.Code ?? "Error", spec.Message ?? "Scripted error."),
        "abortmidbody" => FakeResponse.AbortMidBody(spec.Body ?? ""),
        "reset" => FakeResponse.Reset(),
        "hang" => FakeResponse.Hang(),
        _ => throw new InvalidDataException($"Unknown response kind '{spec.Kind}': use status, json, text, error, abortMidBody, reset or hang."),
    };

    private static T Missing<T>(string name) => throw new InvalidDataException($"\"{name}\" is missing.");
}

internal sealed record EnqueueBody(string? Method, string? PathAndQuery, List<ResponseSpec>? Responses);

internal sealed record ResponseSpec(string? Kind, int? Status, int? RetryAfterSeconds, string? Body, string? Code, string? Message);
