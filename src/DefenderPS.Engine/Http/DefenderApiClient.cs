using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Management.Automation;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using DefenderPS.Authentication;
using DefenderPS.Conversion;
using DefenderPS.Session;
using Microsoft.Identity.Client;

namespace DefenderPS.Http;

/// <summary>
/// The one HTTP pipeline every cmdlet uses: call budget, token, request, retries (5xx, time-outs,
/// dropped connections, 429, 401, the intermittent 404), paging, streaming conversion, and the
/// mapping of every failure to a <see cref="DefenderApiException"/>.
/// </summary>
internal sealed class DefenderApiClient : IDisposable
{
    private const int WaitProgressId = 0x0DEF;
    private const string Json = "application/json";

    // Single entities are a few hundred bytes to a few KiB; larger ones grow the buffer.
    private const int EntityBufferSize = 4096;

    // Request headers are added as ready-made text: they are the same on every request, so parsing and
    // validating them each time would only cost time.
    private static readonly string UserAgent =
        "DefenderPS/" + (typeof(DefenderApiClient).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");

    private readonly DefenderSession _session;

    // The handler itself, without HttpClient's layer: no time-out of its own (ours covers each request)
    // and so no second linked cancellation source per request.
    private readonly HttpMessageInvoker _http;
    private readonly string _apiRoot;
    private BearerHeader? _bearer;

    public DefenderApiClient(DefenderSession session, HttpMessageHandler handler)
    {
        _session = session;
        _http = new HttpMessageInvoker(handler, disposeHandler: true);
        _apiRoot = new Uri(session.ApiUri, "api/").AbsoluteUri;
    }

    private RateLimiter Limiter => _session.Limiter;

    private TimeProvider Clock => _session.Limiter.Clock;

    /// <summary>Calls <paramref name="route"/> for one validated id and emits every entity it returns.</summary>
    public async Task GetAsync(ApiRoute route, string id, IPipelineSink sink, CancellationToken cancellationToken)
    {
        var call = new ApiCall(route, id);
        var emitted = 0;
        Uri? uri = new(_apiRoot + route.PathFor(id));

        // Made at the first next link only: most calls fetch one page.
        HashSet<string>? visited = null;
        while (uri is not null)
        {
            // A page retried after a dropped connection arrives again from its start: skip what was already written.
            var pageEmitted = 0;
            var next = await SendAsync(call, uri, sink, cancellationToken, async (body, token) =>
            {
                var index = 0;
                void Emit(PSObject entity)
                {
                    if (index++ < pageEmitted)
                    {
                        return;
                    }

                    JsonToPSObject.SetProperty(entity, route.SourceProperty, id);
                    _session.RecentIds.Remember(route.Result, entity);
                    pageEmitted++;
                    emitted++;
                    sink.Emit(entity);
                }

                if (route.IsCollection)
                {
                    return await ODataCollectionReader.ReadPageAsync(body, route.Result, Emit, token);
                }

                Emit(await ReadEntityAsync(body, route.Result, token));
                return null;
            });
            if (next is null)
            {
                uri = null;
            }
            else
            {
                visited ??= new HashSet<string>(StringComparer.Ordinal);
                visited.Add(uri.AbsoluteUri);
                uri = CheckNextLink(call, next, visited);
            }
        }

        if (emitted == 0)
        {
            sink.Verbose($"No {route.ResultNoun}s were found for {call.Subject}.");
        }
    }

    public void Dispose() => _http.Dispose();

    /// <summary>
    /// Sends one GET, retrying what is worth retrying, and hands the successful body to
    /// <paramref name="readBody"/> under the same time-out as the request.
    /// </summary>
    private async Task<string?> SendAsync(
        ApiCall call,
        Uri uri,
        IPipelineSink sink,
        CancellationToken cancellationToken,
        Func<Stream, CancellationToken, Task<string?>> readBody)
    {
        var transientRetries = 0;
        var throttledRetries = 0;
        var refreshedToken = false;
        var retriedNotFound = false;
        while (true)
        {
            ThrowIfDisconnected();
            ThrowIfTokenExpired();
            if (!Limiter.TryAcquire())
            {
                await WaitForBudgetAsync(sink, cancellationToken);
            }

            TimeSpan? retryAfter;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(_session.RequestTimeout);
                try
                {
                    var token = await GetTokenAsync(forceRefresh: refreshedToken, timeout.Token);
                    using var request = new HttpRequestMessage(HttpMethod.Get, uri);
                    request.Headers.TryAddWithoutValidation("Authorization", Bearer(token));
                    request.Headers.TryAddWithoutValidation("Accept", Json);
                    request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);

                    // The per-request hot path: verbose text is built only when someone will see it.
                    var watch = sink.WantsVerbose ? Stopwatch.StartNew() : null;
                    if (watch is not null)
                    {
                        sink.Verbose($"GET {uri.AbsoluteUri}");
                    }

                    _session.CountRequest();
                    using var response = await _http.SendAsync(request, timeout.Token);
                    var status = (int)response.StatusCode;
                    if (watch is not null)
                    {
                        sink.Verbose($"{status} {response.ReasonPhrase} in {watch.ElapsedMilliseconds} ms");
                    }

                    if (response.IsSuccessStatusCode)
                    {
                        using var body = new IdleTimeoutStream(await response.Content.ReadAsStreamAsync(), timeout, _session.RequestTimeout);
                        return await readBody(body, timeout.Token);
                    }

                    var error = await ServiceError.ReadAsync(response, timeout.Token);
                    retryAfter = status switch
                    {
                        401 when !refreshedToken && _session.TokenSource.CanRefresh => Retry(ref refreshedToken, TimeSpan.Zero, sink,
                            "The service rejected the token; retrying once with a fresh one."),
                        429 when throttledRetries++ < RetryPolicy.MaxThrottledRetries => Throttled(RetryPolicy.RetryAfter(response, Clock.GetUtcNow()), sink),
                        404 when !retriedNotFound => Retry(ref retriedNotFound, RetryPolicy.NotFoundPause, sink,
                            $"{call.Describe(uri)} answered 404; the service sometimes does so by mistake, so trying once more."),
                        _ when RetryPolicy.IsTransient(status) && transientRetries < _session.Retry.MaxRetries =>
                            Transient(++transientRetries, $"{status} {response.ReasonPhrase}", sink),
                        _ => throw ServiceError.ToException(call, status, error, uri),
                    };
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    retryAfter = transientRetries < _session.Retry.MaxRetries
                        ? Transient(++transientRetries, $"the service sent nothing for {_session.RequestTimeout.TotalSeconds:0.#} s", sink)
                        : throw new DefenderApiException(
                            DefenderErrorKind.Timeout,
                            $"{call.Describe(uri)} timed out{Tries(transientRetries)}: the service sent nothing for {_session.RequestTimeout.TotalSeconds:0.#} seconds.");
                }
                catch (Exception e) when (RetryPolicy.IsConnectionFailure(e))
                {
                    retryAfter = transientRetries < _session.Retry.MaxRetries
                        ? Transient(++transientRetries, e.GetBaseException().Message, sink)
                        : throw new DefenderApiException(
                            DefenderErrorKind.ConnectionFailed,
                            $"{call.Describe(uri)} failed{Tries(transientRetries)}: {e.GetBaseException().Message}",
                            innerException: e);
                }
                catch (ObjectDisposedException) when (!_session.IsConnected)
                {
                    // Disconnect-Defender in another runspace disposed the client under this request.
                    ThrowIfDisconnected();
                    throw;
                }
                catch (System.Text.Json.JsonException e)
                {
                    throw new DefenderApiException(
                        DefenderErrorKind.InvalidResponse,
                        $"{call.Describe(uri)} returned a response that is not valid JSON: {e.Message}",
                        innerException: e);
                }
            }

            _session.CountRetry();
            if (retryAfter > TimeSpan.Zero)
            {
                await Clock.Delay(retryAfter.Value, cancellationToken);
                _session.CountWait(retryAfter.Value);
            }
        }
    }

    private void ThrowIfDisconnected()
    {
        if (!_session.IsConnected)
        {
            throw new DefenderApiException(DefenderErrorKind.Disconnected, $"{_session} was disconnected. Run Connect-Defender to start a new session.");
        }
    }

    private static TimeSpan Retry(ref bool once, TimeSpan pause, IPipelineSink sink, string message)
    {
        once = true;
        sink.Verbose(message);
        return pause;
    }

    private TimeSpan Transient(int retry, string problem, IPipelineSink sink)
    {
        var backoff = RetryPolicy.Backoff(retry);
        sink.Verbose($"Attempt {retry} failed ({problem}); retry {retry} of {_session.Retry.MaxRetries} in {backoff.TotalSeconds:0.#} s.");
        return backoff;
    }

    /// <summary>A 429 pauses the whole session, not just this request; the budget wait then covers the pause.</summary>
    private TimeSpan Throttled(TimeSpan retryAfter, IPipelineSink sink)
    {
        _session.CountThrottled();
        Limiter.Pause(retryAfter);
        sink.Verbose($"The service throttled the session (429); pausing all requests for {retryAfter.TotalSeconds:0.#} s.");
        return TimeSpan.Zero;
    }

    private static string Tries(int retries) => retries == 0 ? string.Empty : $" after {retries + 1} attempts";

    private async Task WaitForBudgetAsync(IPipelineSink sink, CancellationToken cancellationToken)
    {
        const string activity = "Waiting for the Defender API call budget";
        var waited = await Limiter.AcquireAsync(
            (wait, reason) =>
            {
                var seconds = (int)Math.Ceiling(wait.TotalSeconds);
                sink.Verbose($"Waiting {wait.TotalSeconds:0.#} s for the call budget ({reason}).");
                sink.Progress(new ProgressRecord(WaitProgressId, activity, $"{seconds} s left ({reason})") { SecondsRemaining = seconds });
            },
            cancellationToken);
        if (waited > TimeSpan.Zero)
        {
            _session.CountWait(waited);
            sink.Progress(new ProgressRecord(WaitProgressId, activity, "Done") { RecordType = ProgressRecordType.Completed });
        }
    }

    /// <summary>A token that has expired and cannot be renewed never succeeds: fail before the call spends the budget.</summary>
    private void ThrowIfTokenExpired()
    {
        try
        {
            _session.TokenSource.ThrowIfExpired();
        }
        catch (TokenExpiredException e)
        {
            throw Expired(e);
        }
    }

    private static DefenderApiException Expired(TokenExpiredException e) =>
        new(DefenderErrorKind.Authentication, e.Message, innerException: e);

    private async Task<string> GetTokenAsync(bool forceRefresh, CancellationToken cancellationToken)
    {
        try
        {
            return await _session.TokenSource.GetTokenAsync(forceRefresh, cancellationToken);
        }
        catch (TokenExpiredException e)
        {
            throw Expired(e);
        }
        catch (MsalException e)
        {
            throw new DefenderApiException(
                DefenderErrorKind.Authentication,
                $"Could not get a token for client '{_session.ClientId}' in tenant '{_session.TenantId}': {e.Message}",
                errorCode: e.ErrorCode,
                innerException: e);
        }
    }

    /// <summary>Follows a next link only to the same API host and never twice, because the service has been seen to loop.</summary>
    private Uri CheckNextLink(ApiCall call, string nextLink, HashSet<string> visited)
    {
        if (!Uri.TryCreate(nextLink, UriKind.Absolute, out var next)
            || !string.Equals(next.Scheme, _session.ApiUri.Scheme, StringComparison.OrdinalIgnoreCase)
            || !string.Equals(next.Authority, _session.ApiUri.Authority, StringComparison.OrdinalIgnoreCase)
            || !next.AbsolutePath.StartsWith(_session.ApiUri.AbsolutePath, StringComparison.OrdinalIgnoreCase))
        {
            throw new DefenderApiException(
                DefenderErrorKind.InvalidResponse,
                $"Paging for {call.Subject} stopped: the next page link '{nextLink}' does not point into {_session.ApiUri}.");
        }

        if (visited.Contains(next.AbsoluteUri))
        {
            throw new DefenderApiException(
                DefenderErrorKind.InvalidResponse,
                $"Paging for {call.Subject} stopped: the service returned a next page link it had already returned ({next.AbsoluteUri}).");
        }

        return next;
    }

    /// <summary>The Authorization header for <paramref name="token"/>, made again only when the token changes.</summary>
    private string Bearer(string token)
    {
        var bearer = _bearer;
        if (bearer is null || !string.Equals(bearer.Token, token, StringComparison.Ordinal))
        {
            _bearer = bearer = new BearerHeader(token);
        }

        return bearer.Value;
    }

    /// <summary>Reads a single-entity body into a pooled buffer and converts it, so no copy of the body is left behind.</summary>
    private static async Task<PSObject> ReadEntityAsync(Stream body, EntityKind kind, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(EntityBufferSize);
        try
        {
            var length = 0;
            int read;
            while ((read = await body.ReadAsync(buffer, length, buffer.Length - length, cancellationToken)) > 0)
            {
                length += read;
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    Buffer.BlockCopy(buffer, 0, larger, 0, length);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
            }

            return JsonToPSObject.ConvertEntity(buffer.AsSpan(0, length), kind);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>A token and its header value, replaced together so concurrent requests never pair them wrongly.</summary>
    private sealed class BearerHeader
    {
        public BearerHeader(string token)
        {
            Token = token;
            Value = "Bearer " + token;
        }

        public string Token { get; }

        public string Value { get; }
    }
}
