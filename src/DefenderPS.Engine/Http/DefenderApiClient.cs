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

    // The handler itself, without HttpClient's layer: no time-out of its own (ours covers each request)
    // and so no second linked cancellation source per request.
    private readonly HttpMessageInvoker _http;
    private readonly Uri _apiUri;
    private readonly string _apiRoot;
    private readonly TokenSource _tokens;
    private readonly CallBudgets _budgets;
    private readonly RetryPolicy _retry;
    private readonly TimeSpan _requestTimeout;
    private readonly TimeProvider _clock;
    private readonly RequestCounters _counters;
    private readonly Action<EntityKind, PSObject>? _onResult;
    private readonly string _sessionName;
    private readonly string _signInName;
    private BearerHeader? _bearer;
    private volatile bool _closed;

    /// <param name="apiUri">The API root (ending in a slash); next links must stay under it.</param>
    /// <param name="pathPrefix">Where request paths start under the root: <c>api/</c> for Defender for Endpoint, nothing for Microsoft Graph.</param>
    /// <param name="onResult">Hears every entity written, e.g. to remember ids for tab completion.</param>
    /// <param name="sessionName">The session in words, for "... was disconnected".</param>
    /// <param name="signInName">Who gets the tokens, in words, for "Could not get a token for ...".</param>
    public DefenderApiClient(
        Uri apiUri,
        string pathPrefix,
        HttpMessageHandler handler,
        TokenSource tokens,
        CallBudgets budgets,
        RetryPolicy retry,
        TimeSpan requestTimeout,
        TimeProvider clock,
        RequestCounters counters,
        Action<EntityKind, PSObject>? onResult,
        string sessionName,
        string signInName)
    {
        _apiUri = apiUri;
        _apiRoot = new Uri(apiUri, pathPrefix).AbsoluteUri;
        _http = new HttpMessageInvoker(handler, disposeHandler: true);
        _tokens = tokens;
        _budgets = budgets;
        _retry = retry;
        _requestTimeout = requestTimeout;
        _clock = clock;
        _counters = counters;
        _onResult = onResult;
        _sessionName = sessionName;
        _signInName = signInName;
    }

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
                    _onResult?.Invoke(route.Result, entity);
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

    /// <summary>Disconnect-Defender: requests under way or to come fail as disconnected.</summary>
    public void Dispose()
    {
        _closed = true;
        _http.Dispose();
    }

    /// <summary>
    /// Sends one GET, acting on what <see cref="RetryPolicy"/> decides for each failure, and hands the successful body to
    /// <paramref name="readBody"/> under the same time-out as the request.
    /// </summary>
    private async Task<string?> SendAsync(
        ApiCall call,
        Uri uri,
        IPipelineSink sink,
        CancellationToken cancellationToken,
        Func<Stream, CancellationToken, Task<string?>> readBody)
    {
        var attempts = new RequestAttempts();
        var budget = _budgets.For(call.Route.ApiName, call.Route.Limits);
        while (true)
        {
            ThrowIfDisconnected();
            ThrowIfTokenExpired();
            if (!budget.TryAcquire())
            {
                await WaitForBudgetAsync(budget, sink, cancellationToken);
            }

            RetryDecision decision;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(_requestTimeout);
                try
                {
                    var token = await GetTokenAsync(forceRefresh: attempts.TokenRefreshed, timeout.Token);
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

                    _counters.CountRequest();
                    using var response = await _http.SendAsync(request, timeout.Token);
                    if (watch is not null)
                    {
                        sink.Verbose($"{(int)response.StatusCode} {response.ReasonPhrase} in {watch.ElapsedMilliseconds} ms");
                    }

                    if (response.IsSuccessStatusCode)
                    {
                        using var body = new IdleTimeoutStream(await response.Content.ReadAsStreamAsync(), timeout, _requestTimeout);
                        return await readBody(body, timeout.Token);
                    }

                    var error = await ServiceError.ReadAsync(response, timeout.Token);
                    decision = _retry.ForResponse(attempts, response, _tokens.CanRefresh, _clock.GetUtcNow(), call.Describe(uri));
                    if (decision.Action == RetryAction.Fail)
                    {
                        throw ServiceError.ToException(call, (int)response.StatusCode, error, uri);
                    }
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    decision = _retry.ForTimeout(attempts, _requestTimeout);
                    if (decision.Action == RetryAction.Fail)
                    {
                        throw new DefenderApiException(
                            DefenderErrorKind.Timeout,
                            $"{call.Describe(uri)} timed out{attempts.AfterAttempts}: the service sent nothing for {_requestTimeout.TotalSeconds:0.#} seconds.");
                    }
                }
                catch (Exception e) when (RetryPolicy.IsConnectionFailure(e))
                {
                    decision = _retry.ForException(attempts, e);
                    if (decision.Action == RetryAction.Fail)
                    {
                        throw new DefenderApiException(
                            DefenderErrorKind.ConnectionFailed,
                            $"{call.Describe(uri)} failed{attempts.AfterAttempts}: {e.GetBaseException().Message}",
                            innerException: e);
                    }
                }
                catch (ObjectDisposedException) when (_closed)
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

            sink.Verbose(decision.Reason!);
            _counters.CountRetry();
            if (decision.Action == RetryAction.PauseBudgetAndRetry)
            {
                // The budget wait before the next attempt covers the pause, for every request sharing this API's budget.
                _counters.CountThrottled();
                budget.Pause(decision.Delay);
            }
            else if (decision.Delay > TimeSpan.Zero)
            {
                await _clock.Delay(decision.Delay, cancellationToken);
                _counters.CountWait(decision.Delay);
            }
        }
    }

    private void ThrowIfDisconnected()
    {
        if (_closed)
        {
            throw new DefenderApiException(DefenderErrorKind.Disconnected, $"{_sessionName} was disconnected. Run Connect-Defender to start a new session.");
        }
    }

    private async Task WaitForBudgetAsync(RateLimiter budget, IPipelineSink sink, CancellationToken cancellationToken)
    {
        const string activity = "Waiting for the Defender API call budget";
        var waited = await budget.AcquireAsync(
            (wait, reason) =>
            {
                var seconds = (int)Math.Ceiling(wait.TotalSeconds);
                sink.Verbose($"Waiting {wait.TotalSeconds:0.#} s for the call budget ({reason}).");
                sink.Progress(new ProgressRecord(WaitProgressId, activity, $"{seconds} s left ({reason})") { SecondsRemaining = seconds });
            },
            cancellationToken);
        if (waited > TimeSpan.Zero)
        {
            _counters.CountWait(waited);
            sink.Progress(new ProgressRecord(WaitProgressId, activity, "Done") { RecordType = ProgressRecordType.Completed });
        }
    }

    /// <summary>A token that has expired and cannot be renewed never succeeds: fail before the call spends the budget.</summary>
    private void ThrowIfTokenExpired()
    {
        try
        {
            _tokens.ThrowIfExpired();
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
            return await _tokens.RequestTokenAsync(forceRefresh, _signInName, cancellationToken);
        }
        catch (TokenExpiredException e)
        {
            throw Expired(e);
        }
        catch (ConnectException e)
        {
            throw new DefenderApiException(DefenderErrorKind.Authentication, e.Message, errorCode: e.ProviderErrorCode, innerException: e);
        }
    }

    /// <summary>Follows a next link only to the same API host and never twice, because the service has been seen to loop.</summary>
    private Uri CheckNextLink(ApiCall call, string nextLink, HashSet<string> visited)
    {
        if (!Uri.TryCreate(nextLink, UriKind.Absolute, out var next)
            || !string.Equals(next.Scheme, _apiUri.Scheme, StringComparison.OrdinalIgnoreCase)
            || !string.Equals(next.Authority, _apiUri.Authority, StringComparison.OrdinalIgnoreCase)
            || !next.AbsolutePath.StartsWith(_apiUri.AbsolutePath, StringComparison.OrdinalIgnoreCase))
        {
            throw new DefenderApiException(
                DefenderErrorKind.InvalidResponse,
                $"Paging for {call.Subject} stopped: the next page link '{nextLink}' does not point into {_apiUri}.");
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
