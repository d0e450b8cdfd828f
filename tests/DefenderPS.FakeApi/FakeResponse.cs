using System.Collections.ObjectModel;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace DefenderPS.FakeApi;

/// <summary>
/// What the fake answers to one request: a scripted response given to <see cref="FakeDefenderApi.Enqueue"/>,
/// or one built from a recording. Bodies may contain <c>{{baseUrl}}</c>, replaced when served.
/// </summary>
public abstract class FakeResponse
{
    internal const string BaseUrlPlaceholder = "{{baseUrl}}";
    internal const string ODataJson = "application/json; odata.metadata=minimal; odata.streaming=true; charset=utf-8";

    private protected FakeResponse() { }

    /// <summary>Status written to the request log; 0 when no status line is sent.</summary>
    internal abstract int LoggedStatus { get; }

    /// <summary>Whether the fake first answers the request as usual (and keeps what that changed) before this response is sent in its place.</summary>
    internal virtual bool ServesRequestFirst => false;

    /// <param name="cancel">Fires when the client goes away or the fake stops.</param>
    internal abstract Task WriteAsync(HttpContext context, string baseUrl, CancellationToken cancel);

    /// <summary>
    /// A bare status. From 400 up it carries the service's error body, with the code taken
    /// from the reason phrase (503 gives <c>ServiceUnavailable</c>).
    /// </summary>
    public static FakeResponse Status(int statusCode, int? retryAfterSeconds = null, IReadOnlyDictionary<string, string>? headers = null)
    {
        var all = new Dictionary<string, string>(headers ?? ReadOnlyDictionary<string, string>.Empty, StringComparer.OrdinalIgnoreCase);
        if (retryAfterSeconds is int seconds)
        {
            all["Retry-After"] = seconds.ToString(CultureInfo.InvariantCulture);
        }

        if (statusCode < 400)
        {
            return Api(statusCode, all, null);
        }

        var reason = ReasonPhrases.GetReasonPhrase(statusCode);
        return Error(statusCode, reason.Replace(" ", "", StringComparison.Ordinal), reason, all);
    }

    /// <summary>A JSON body, checked to be valid JSON so a typo in a test fails at once.</summary>
    public static FakeResponse Json(int statusCode, string json, IReadOnlyDictionary<string, string>? headers = null)
    {
        JsonDocument.Parse(json).Dispose();
        return Api(statusCode, headers, json);
    }

    /// <summary>Any text sent as JSON, unchecked: for truncated or malformed bodies.</summary>
    public static FakeResponse Text(int statusCode, string text, IReadOnlyDictionary<string, string>? headers = null) =>
        Api(statusCode, headers, text);

    /// <summary>The service's error shape, <c>{"error":{"code","message","target"}}</c>, with a fresh correlation target.</summary>
    public static FakeResponse Error(int statusCode, string code, string message, IReadOnlyDictionary<string, string>? headers = null) =>
        Error(statusCode, code, message, $"|{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}.", headers);

    /// <summary>The service's error shape with a <c>target</c> that names something (the pending action of <c>ActiveRequestAlreadyExists</c>).</summary>
    public static FakeResponse Error(int statusCode, string code, string message, string target, IReadOnlyDictionary<string, string>? headers = null)
    {
        var body = new JsonObject
        {
            ["error"] = new JsonObject { ["code"] = code, ["message"] = message, ["target"] = target },
        };
        return Api(statusCode, headers, body.ToJsonString());
    }

    /// <summary>Closes the connection without sending anything.</summary>
    public static FakeResponse Reset() => new ResetResponse();

    /// <summary>
    /// Does what the request asks (a POST creates its machine action, a PATCH updates its alert), then closes the connection
    /// without answering: the client cannot tell whether it happened, and must look before it retries.
    /// </summary>
    public static FakeResponse ActThenReset() => new ActThenResetResponse();

    /// <summary>Never answers; ends when the client gives up or the fake stops.</summary>
    public static FakeResponse Hang() => new HangResponse();

    /// <summary>
    /// Sends 200 headers promising more bytes than <paramref name="partialBody"/>, sends it, then closes the
    /// connection: the client reads the partial body, then fails (HttpIOException ResponseEnded).
    /// </summary>
    public static FakeResponse AbortMidBody(string partialBody) => new AbortMidBodyResponse(partialBody);

    /// <summary>Waits (in real time, like the client's timeouts) and then serves <paramref name="inner"/>.</summary>
    public static FakeResponse Delay(TimeSpan delay, FakeResponse inner) => new DelayResponse(delay, inner);

    /// <summary>An API response: the service's default Content-Type, overridable, and always OData-Version 4.0.</summary>
    internal static FakeResponse Api(int statusCode, IReadOnlyDictionary<string, string>? headers, string? body)
    {
        var all = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (body is not null)
        {
            all["Content-Type"] = ODataJson;
        }

        foreach (var (name, value) in headers ?? ReadOnlyDictionary<string, string>.Empty)
        {
            all[name] = value;
        }

        all["OData-Version"] = "4.0";
        return new BodyResponse(statusCode, all, body);
    }

    /// <summary>A response with exactly these headers (plus Content-Length).</summary>
    internal static FakeResponse Raw(int statusCode, IReadOnlyDictionary<string, string> headers, string? body) =>
        new BodyResponse(statusCode, headers, body);

    private sealed class BodyResponse(int statusCode, IReadOnlyDictionary<string, string> headers, string? body) : FakeResponse
    {
        // These describe how a recorded body travelled on the wire, not the stored text we send.
        private static readonly HashSet<string> WireHeaders =
            new(["Content-Length", "Content-Encoding", "Transfer-Encoding"], StringComparer.OrdinalIgnoreCase);

        internal override int LoggedStatus => statusCode;

        internal override Task WriteAsync(HttpContext context, string baseUrl, CancellationToken cancel)
        {
            var response = context.Response;
            response.StatusCode = statusCode;
            foreach (var (name, value) in headers)
            {
                if (!WireHeaders.Contains(name))
                {
                    response.Headers[name] = value;
                }
            }

            if (body is null)
            {
                return Task.CompletedTask;
            }

            var bytes = Encoding.UTF8.GetBytes(body.Replace(BaseUrlPlaceholder, baseUrl, StringComparison.Ordinal));
            response.ContentLength = bytes.Length;
            return response.Body.WriteAsync(bytes, context.RequestAborted).AsTask();
        }
    }

    private sealed class ResetResponse : FakeResponse
    {
        internal override int LoggedStatus => 0;

        internal override Task WriteAsync(HttpContext context, string baseUrl, CancellationToken cancel)
        {
            context.Abort();
            return Task.CompletedTask;
        }
    }

    private sealed class ActThenResetResponse : FakeResponse
    {
        internal override bool ServesRequestFirst => true;

        internal override int LoggedStatus => 0;

        internal override Task WriteAsync(HttpContext context, string baseUrl, CancellationToken cancel)
        {
            context.Abort();
            return Task.CompletedTask;
        }
    }

    private sealed class HangResponse : FakeResponse
    {
        internal override int LoggedStatus => 0;

        internal override async Task WriteAsync(HttpContext context, string baseUrl, CancellationToken cancel)
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, cancel).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            context.Abort();
        }
    }

    private sealed class AbortMidBodyResponse(string partialBody) : FakeResponse
    {
        internal override int LoggedStatus => StatusCodes.Status200OK;

        internal override async Task WriteAsync(HttpContext context, string baseUrl, CancellationToken cancel)
        {
            var bytes = Encoding.UTF8.GetBytes(partialBody.Replace(BaseUrlPlaceholder, baseUrl, StringComparison.Ordinal));
            var response = context.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = ODataJson;
            response.Headers["OData-Version"] = "4.0";
            response.ContentLength = bytes.Length + 1024;
            await response.Body.WriteAsync(bytes, context.RequestAborted);

            // Returning short of the Content-Length makes Kestrel close the connection (FIN) once the
            // bytes are out; context.Abort() would send a RST that can overtake them.
        }
    }

    private sealed class DelayResponse(TimeSpan delay, FakeResponse inner) : FakeResponse
    {
        internal override int LoggedStatus => inner.LoggedStatus;

        internal override async Task WriteAsync(HttpContext context, string baseUrl, CancellationToken cancel)
        {
            await Task.Delay(delay, cancel).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (cancel.IsCancellationRequested)
            {
                context.Abort();
                return;
            }

            await inner.WriteAsync(context, baseUrl, cancel);
        }
    }
}
