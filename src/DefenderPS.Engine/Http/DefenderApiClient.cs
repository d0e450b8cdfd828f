using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Management.Automation;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.Json;
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
    private const string WaitActivity = "Waiting for the Defender API";
    private static readonly TimeSpan ProgressTick = TimeSpan.FromSeconds(1);
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
    private readonly ResponseCache? _cache;
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
        string signInName,
        ResponseCache? cache = null)
    {
        _cache = cache;
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

    /// <summary>The service's page cap and largest <c>$top</c>.</summary>
    public const int ServicePageSize = 10000;

    private const int ListProgressId = 0x0DF0;

    /// <summary>How many objects <see cref="ListAsync"/> asks for per page: the service's cap, smaller in tests.</summary>
    internal int ListPageSize { get; set; } = ServicePageSize;

    /// <summary>
    /// Calls <paramref name="route"/> for one validated id (or, for a route without one, with <paramref name="id"/> null)
    /// and emits every entity it returns, following next links.
    /// </summary>
    /// <param name="query">The query string without its <c>?</c>, its values already escaped; null for none.</param>
    public async Task GetAsync(ApiRoute route, string? id, string? query, IPipelineSink sink, CancellationToken cancellationToken)
    {
        var call = new ApiCall(route, id);
        var emitted = 0;
        var path = id is null ? route.Path : route.PathFor(id);
        Uri? uri = new(_apiRoot + path + (query is null ? string.Empty : "?" + query));
        var cacheKey = uri.AbsoluteUri;
        if (_cache is not null && _cache.TryGet(cacheKey, out var cached))
        {
            _counters.CountCacheHit();
            sink.Verbose($"{call.Describe(uri)} answered from the session cache (-CacheTtl {_cache.TimeToLive}).");
            foreach (var entity in cached)
            {
                sink.Emit(entity);
            }

            return;
        }

        // Kept for the cache only when it is on.
        var results = _cache is null ? null : new List<PSObject>();

        // Made at the first next link only: most calls fetch one page.
        HashSet<string>? visited = null;
        var page = PageTally.For(route, sink);
        while (uri is not null)
        {
            // A page retried after a dropped connection arrives again from its start: skip what was already written.
            var pageEmitted = 0;
            page?.Start();
            var next = await SendAsync(call, uri, sink, cancellationToken, async (body, token) =>
            {
                var index = 0;
                void Emit(PSObject entity)
                {
                    if (index++ < pageEmitted)
                    {
                        return;
                    }

                    if (route.SourceProperty is not null)
                    {
                        JsonToPSObject.SetProperty(entity, route.SourceProperty, id);
                    }

                    _onResult?.Invoke(route.Result, entity);
                    pageEmitted++;
                    emitted++;
                    results?.Add(entity);
                    sink.Emit(entity);
                }

                if (route.IsCollection)
                {
                    var nextLink = await ODataCollectionReader.ReadPageAsync(body, route.Result, Emit, token);
                    page?.Read(index);
                    return nextLink;
                }

                Emit(await ReadEntityAsync(body, route.Result, token));
                return null;
            }, page: page);
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

        if (results is not null)
        {
            _cache!.Add(cacheKey, results);
        }
    }

    /// <summary>
    /// Lists an entity set by paging it itself (<c>$top=N&amp;$skip=k*N</c>) instead of following next links, which the
    /// service stops giving with <c>$top</c> and, past 10,000 objects, repeats for ever. Stops after a short page, after
    /// <see cref="ListRequest.Top"/> objects (fetching no further page), or when a full page brings nothing new; writes
    /// every id once, however the pages overlap.
    /// </summary>
    public Task ListAsync(ListRequest list, IPipelineSink sink, CancellationToken cancellationToken) =>
        ListAsync(list, sink, sink.Emit, cancellationToken);

    /// <summary>Lists as <see cref="ListAsync(ListRequest, IPipelineSink, CancellationToken)"/> does, handing each object to <paramref name="take"/> instead of writing it.</summary>
    public async Task ListAsync(ListRequest list, IPipelineSink sink, Action<PSObject> take, CancellationToken cancellationToken)
    {
        var route = list.Route;
        var call = new ApiCall(route, null);
        var activity = $"Listing {list.Describe()}";
        var written = new HashSet<string>(StringComparer.Ordinal);
        var count = 0;
        var skip = 0;
        var pages = 0;
        var page = PageTally.For(route, sink);
        while (true)
        {
            var asked = list.Top is { } top ? Math.Min(ListPageSize, top - count) : ListPageSize;
            var uri = new Uri(_apiRoot + route.Path + "?" + list.PageQuery(asked, skip));

            // Rows counts the page as it arrives (again from zero if it is fetched again after a dropped connection);
            // fresh counts what it added, once, since the de-duplication skips what an earlier attempt wrote.
            var rows = 0;
            var fresh = 0;
            page?.Start();
            var next = await SendAsync(call, uri, sink, cancellationToken, async (body, token) =>
            {
                rows = 0;
                var nextLink = await ODataCollectionReader.ReadPageAsync(body, route.Result, entity =>
                {
                    rows++;
                    if (list.Top is { } most && count >= most)
                    {
                        return;
                    }

                    if (entity.Properties["Id"]?.Value is string id && !written.Add(id))
                    {
                        return;
                    }

                    fresh++;
                    count++;
                    _onResult?.Invoke(route.Result, entity);
                    take(entity);
                }, token);
                page?.Read(rows);
                return nextLink;
            }, page: page);

            pages++;
            sink.Progress(new ProgressRecord(ListProgressId, activity, $"{count} {route.ResultNoun}s in {pages} page{(pages == 1 ? string.Empty : "s")}"));
            if (list.Top is { } wanted && count >= wanted)
            {
                break;
            }

            if (rows == 0 || (rows < asked && next is null))
            {
                // A short page with no next link is the last; one with a next link only shows the service's pages are smaller.
                break;
            }

            if (fresh == 0)
            {
                throw new DefenderApiException(
                    DefenderErrorKind.InvalidResponse,
                    $"Listing {list.Describe()} stopped after {count} {route.ResultNoun}s: page {pages} ({uri.AbsoluteUri}) held only {route.ResultNoun}s already written, so the service is not moving on. The list may be incomplete.");
            }

            skip += rows;
        }

        sink.Progress(new ProgressRecord(ListProgressId, activity, "Done") { RecordType = ProgressRecordType.Completed });
        if (count == 0)
        {
            sink.Verbose($"No {list.Describe()} were found.");
        }
    }

    /// <summary>
    /// Sends a request no cmdlet declares and writes what comes back: each item of a collection's <c>value</c> (following
    /// next links, with the same guards as every list, when <paramref name="all"/>), a single entity, or with
    /// <paramref name="raw"/> the body as text. An entity set <c>@odata.context</c> names that DefenderPS knows gives the
    /// objects its type (DefenderPS.Alert, ...); anything else stays a plain object.
    /// </summary>
    public async Task InvokeAsync(ApiRequest request, bool all, bool raw, IPipelineSink sink, CancellationToken cancellationToken)
    {
        var call = new ApiCall(request.Route, null, request.Method);
        if (call.Method != "GET")
        {
            // Whatever happens to the request, the entity may have changed: nothing cached about it is trusted again.
            _cache?.Invalidate(request.Uri.AbsolutePath.Substring(new Uri(_apiRoot).AbsolutePath.Length));
        }

        HashSet<string>? visited = null;
        Uri? uri = request.Uri;
        while (uri is not null)
        {
            var next = await SendAsync(call, uri, sink, cancellationToken, async (content, token) =>
            {
                var text = await new StreamReader(content, Encoding.UTF8).ReadToEndAsync();
                if (raw)
                {
                    sink.Emit(PSObject.AsPSObject(text));
                    return null;
                }

                return text.Trim().Length == 0 ? null : EmitAnswer(text, sink);
            }, request.Body);

            // Next links are read with GET; a request of another method is never sent again to follow one.
            if (next is null || !all || call.Method != "GET")
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
    }

    /// <summary>Writes a JSON answer's objects; returns its next link, if any.</summary>
    private static string? EmitAnswer(string text, IPipelineSink sink)
    {
        using var document = JsonDocument.Parse(text);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            sink.Emit(PSObject.AsPSObject(JsonToPSObject.Convert(Encoding.UTF8.GetBytes(root.GetRawText()))));
            return null;
        }

        var kind = root.TryGetProperty("@odata.context", out var context) && context.ValueKind == JsonValueKind.String
            ? EntityKindExtensions.FromODataContext(context.GetString()!)
            : null;
        if (root.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in value.EnumerateArray())
            {
                sink.Emit(ToObject(item, kind));
            }

            return root.TryGetProperty("@odata.nextLink", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }

        sink.Emit(ToObject(root, kind));
        return null;
    }

    private static PSObject ToObject(JsonElement element, EntityKind? kind)
    {
        var json = Encoding.UTF8.GetBytes(element.GetRawText());
        return kind is { } known && element.ValueKind == JsonValueKind.Object
            ? JsonToPSObject.ConvertEntity(json, known)
            : PSObject.AsPSObject(JsonToPSObject.Convert(json));
    }

    /// <summary>
    /// POSTs <paramref name="json"/> to a route without an id, such as a hunting query, and hands the successful body to
    /// <paramref name="readBody"/>, which streams it.
    /// </summary>
    public async Task PostAsync(ApiRoute route, byte[] json, Func<Stream, CancellationToken, Task> readBody, IPipelineSink sink, CancellationToken cancellationToken)
    {
        var call = new ApiCall(route, null, "POST");
        await SendAsync(call, new Uri(_apiRoot + route.Path), sink, cancellationToken, async (content, token) =>
        {
            await readBody(content, token);
            return null;
        }, json);
    }

    /// <summary>
    /// Sends <paramref name="route"/>'s request for one validated id (with <paramref name="json"/> as its body, for a route
    /// that acts) and returns the entity that comes back instead of writing it: the cmdlet decides what to write (with
    /// -Wait, the action's final state). Never answered from the cache; a request that acts drops what the cache knew
    /// about the entity, whatever happens to it.
    /// </summary>
    public async Task<PSObject> RequestEntityAsync(ApiRoute route, string id, byte[]? json, IPipelineSink sink, CancellationToken cancellationToken)
    {
        var call = new ApiCall(route, id);
        var path = route.PathFor(id);
        if (json is not null)
        {
            _cache?.Invalidate(path);
        }

        PSObject? entity = null;
        await SendAsync(call, new Uri(_apiRoot + path), sink, cancellationToken, async (body, token) =>
        {
            entity = await ReadEntityAsync(body, route.Result, token);
            return null;
        }, json);
        _onResult?.Invoke(route.Result, entity!);
        return entity!;
    }

    /// <summary>Which page of a collection a call fetched and how many items it held, for its verbose line.</summary>
    private sealed class PageTally
    {
        private readonly string _noun;
        private int _number;
        private int _items;

        private PageTally(string noun) => _noun = noun;

        /// <summary>A tally for a collection route when verbose lines are shown; null otherwise, so a quiet call counts nothing.</summary>
        public static PageTally? For(ApiRoute route, IPipelineSink sink) =>
            route.IsCollection && sink.WantsVerbose ? new PageTally(route.ResultNoun) : null;

        public void Start() => _number++;

        public void Read(int items) => _items = items;

        public override string ToString() => $"page {_number}, {_items} {_noun}{(_items == 1 ? string.Empty : "s")}";
    }

    /// <summary>Disconnect-Defender: requests under way or to come fail as disconnected.</summary>
    public void Dispose()
    {
        _closed = true;
        _http.Dispose();
    }

    /// <summary>
    /// Sends one request (a GET unless <paramref name="call"/> says otherwise, with <paramref name="body"/> as JSON), acting
    /// on what <see cref="RetryPolicy"/> decides for each failure, and hands the successful body to
    /// <paramref name="readBody"/> under the same time-out as the request.
    /// </summary>
    private async Task<string?> SendAsync(
        ApiCall call,
        Uri uri,
        IPipelineSink sink,
        CancellationToken cancellationToken,
        Func<Stream, CancellationToken, Task<string?>> readBody,
        byte[]? body = null,
        PageTally? page = null)
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
            string? serviceSaid = null;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(_requestTimeout);
                try
                {
                    var token = await GetTokenAsync(forceRefresh: attempts.TokenRefreshed, timeout.Token);
                    using var request = new HttpRequestMessage(call.Method == "GET" ? HttpMethod.Get : new HttpMethod(call.Method), uri);
                    if (body is not null)
                    {
                        request.Content = new ByteArrayContent(body);
                        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json; charset=utf-8");
                    }

                    request.Headers.TryAddWithoutValidation("Authorization", Bearer(token));
                    request.Headers.TryAddWithoutValidation("Accept", Json);
                    request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);

                    // The per-request hot path: verbose text is built only when someone will see it.
                    var watch = sink.WantsVerbose ? Stopwatch.StartNew() : null;
                    if (watch is not null)
                    {
                        sink.Verbose($"{call.Method} {uri.AbsoluteUri}");
                    }

                    _counters.CountRequest();
                    using var response = await _http.SendAsync(request, timeout.Token);
                    var answeredIn = watch?.ElapsedMilliseconds ?? 0;

                    // Said once the body is read, so a page's line can say what it held.
                    void TellAnswer(PageTally? held) => sink.Verbose(
                        $"{(int)response.StatusCode} {response.ReasonPhrase} in {answeredIn} ms{(held is null ? string.Empty : ": " + held)}; {budget.LeftThisMinute} calls left this minute for {call.Route.ApiName}.");

                    if (response.IsSuccessStatusCode)
                    {
                        using var content = new IdleTimeoutStream(await response.Content.ReadAsStreamAsync(), timeout, _requestTimeout);
                        var next = await readBody(content, timeout.Token);
                        if (watch is not null)
                        {
                            TellAnswer(page);
                        }

                        return next;
                    }

                    if (watch is not null)
                    {
                        TellAnswer(null);
                    }

                    var error = await ServiceError.ReadAsync(response, timeout.Token);
                    serviceSaid = error.Message;
                    decision = _retry.ForResponse(attempts, response, _tokens.CanRefresh, _clock.GetUtcNow(), call.Describe(uri), call.MayRepeat);
                    if (decision.Action == RetryAction.Fail)
                    {
                        throw ServiceError.ToException(call, (int)response.StatusCode, error, uri);
                    }
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    decision = _retry.ForTimeout(attempts, _requestTimeout, call.MayRepeat);
                    if (decision.Action == RetryAction.Fail)
                    {
                        throw new DefenderApiException(
                            DefenderErrorKind.Timeout,
                            $"{call.Describe(uri)} timed out{attempts.AfterAttempts}: the service sent nothing for {_requestTimeout.TotalSeconds:0.#} seconds.");
                    }
                }
                catch (Exception e) when (RetryPolicy.IsConnectionFailure(e))
                {
                    decision = _retry.ForException(attempts, e, call.MayRepeat);
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
                budget.Pause(decision.Delay, serviceSaid);
            }
            else if (decision.Delay > TimeSpan.Zero)
            {
                await WaitAsync(decision.Delay, $"retrying {call.Describe(uri)}", sink, cancellationToken);
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
        var waited = await budget.AcquireAsync(
            (wait, reason, token) =>
            {
                sink.Verbose($"Waiting {wait.TotalSeconds:0.#} s for the call budget ({reason}).");
                return WaitAsync(wait, $"call budget: {reason}", sink, token);
            },
            cancellationToken);
        _counters.CountWait(waited);
    }

    /// <summary>Waits on the clock, with a progress bar that counts down each second and says why.</summary>
    private async Task WaitAsync(TimeSpan length, string reason, IPipelineSink sink, CancellationToken cancellationToken)
    {
        sink.Waiting(length, reason);

        // Counted down step by step, not read back from the clock: timers round to whole milliseconds.
        for (var left = length; left > TimeSpan.Zero;)
        {
            var seconds = (int)Math.Ceiling(left.TotalSeconds);
            sink.Progress(new ProgressRecord(WaitProgressId, WaitActivity, $"{seconds} s left ({reason})") { SecondsRemaining = seconds });
            var step = left < ProgressTick ? left : ProgressTick;
            await _clock.Delay(step, cancellationToken);
            left -= step;
        }

        sink.Progress(new ProgressRecord(WaitProgressId, WaitActivity, "Done") { RecordType = ProgressRecordType.Completed });
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
