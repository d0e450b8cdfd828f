using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Management.Automation;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;
using DefenderPS.Authentication;
using DefenderPS.Conversion;
using DefenderPS.Session;
using Microsoft.Identity.Client;

namespace DefenderPS.Http;

/// <summary>
/// The one HTTP pipeline every cmdlet uses: token, request, 401 refresh, time-out, paging,
/// streaming conversion and the mapping of every failure to a <see cref="DefenderApiException"/>.
/// </summary>
internal sealed class DefenderApiClient : IDisposable
{
    private static readonly ProductInfoHeaderValue UserAgent =
        new("DefenderPS", typeof(DefenderApiClient).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");

    private readonly DefenderSession _session;
    private readonly HttpClient _http;

    public DefenderApiClient(DefenderSession session, HttpMessageHandler handler)
    {
        _session = session;
        _http = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
    }

    /// <summary>Time allowed for one request, from sending it to the last byte of its answer.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>Calls <paramref name="route"/> for one validated id and emits every entity it returns.</summary>
    public async Task GetAsync(ApiRoute route, string id, IPipelineSink sink, CancellationToken cancellationToken)
    {
        var call = new ApiCall(route, id);
        var emitted = 0;
        void Emit(PSObject entity)
        {
            entity.Properties.Add(new PSNoteProperty(route.SourceProperty, id));
            emitted++;
            sink.Emit(entity);
        }

        Uri? uri = new(_session.ApiUri, route.PathFor(id));
        var visited = new HashSet<string>(StringComparer.Ordinal);
        while (uri is not null)
        {
            visited.Add(uri.AbsoluteUri);
            var next = await SendAsync(call, uri, sink, cancellationToken, async (body, token) =>
            {
                if (route.IsCollection)
                {
                    return await ODataCollectionReader.ReadPageAsync(body, route.Result, Emit, token).ConfigureAwait(false);
                }

                Emit(JsonToPSObject.ConvertEntity(await ReadAllAsync(body, token).ConfigureAwait(false), route.Result));
                return null;
            }).ConfigureAwait(false);
            uri = next is null ? null : CheckNextLink(call, next, visited);
        }

        if (emitted == 0)
        {
            sink.Verbose($"No {route.ResultNoun}s were found for {call.Subject}.");
        }
    }

    /// <summary>Gets a token now, so that bad credentials fail at connect time.</summary>
    public Task AcquireTokenAsync(CancellationToken cancellationToken) => GetTokenAsync(forceRefresh: false, cancellationToken);

    public void Dispose() => _http.Dispose();

    /// <summary>Sends one GET and hands its successful body to <paramref name="readBody"/>, all under one time-out.</summary>
    private async Task<string?> SendAsync(
        ApiCall call,
        Uri uri,
        IPipelineSink sink,
        CancellationToken cancellationToken,
        Func<Stream, CancellationToken, Task<string?>> readBody)
    {
        var refreshedToken = false;
        while (true)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(RequestTimeout);
            try
            {
                var token = await GetTokenAsync(forceRefresh: refreshedToken, timeout.Token).ConfigureAwait(false);
                using var request = new HttpRequestMessage(HttpMethod.Get, uri);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                request.Headers.UserAgent.Add(UserAgent);

                sink.Verbose($"GET {uri.AbsoluteUri}");
                var watch = Stopwatch.StartNew();
                _session.CountRequest();
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                sink.Verbose($"{(int)response.StatusCode} {response.ReasonPhrase} in {watch.ElapsedMilliseconds} ms");

                if (response.StatusCode == HttpStatusCode.Unauthorized && !refreshedToken && _session.TokenSource.CanRefresh)
                {
                    // The token may have been revoked or rotated early: one fresh token, one more try.
                    refreshedToken = true;
                    _session.CountRetry();
                    sink.Verbose("The service rejected the token; retrying once with a fresh one.");
                    continue;
                }

                if (!response.IsSuccessStatusCode)
                {
                    var error = await ServiceError.ReadAsync(response, timeout.Token).ConfigureAwait(false);
                    throw ServiceError.ToException(call, (int)response.StatusCode, error, uri);
                }

                using var body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                return await readBody(body, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new DefenderApiException(
                    DefenderErrorKind.Timeout,
                    $"{call.Describe(uri)} did not finish within {RequestTimeout.TotalSeconds:0.#} seconds.");
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                throw new DefenderApiException(
                    DefenderErrorKind.ConnectionFailed,
                    $"{call.Describe(uri)} failed: {e.GetBaseException().Message}",
                    innerException: e);
            }
            catch (System.Text.Json.JsonException e)
            {
                throw new DefenderApiException(
                    DefenderErrorKind.InvalidResponse,
                    $"{call.Describe(uri)} returned a response that is not valid JSON: {e.Message}",
                    innerException: e);
            }
        }
    }

    private async Task<string> GetTokenAsync(bool forceRefresh, CancellationToken cancellationToken)
    {
        try
        {
            return await _session.TokenSource.GetTokenAsync(forceRefresh, cancellationToken).ConfigureAwait(false);
        }
        catch (TokenExpiredException e)
        {
            throw new DefenderApiException(DefenderErrorKind.Authentication, e.Message, innerException: e);
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
            || !string.Equals(next.Authority, _session.ApiUri.Authority, StringComparison.OrdinalIgnoreCase))
        {
            throw new DefenderApiException(
                DefenderErrorKind.InvalidResponse,
                $"Paging for {call.Subject} stopped: the next page link '{nextLink}' does not point at {_session.ApiUri.GetLeftPart(UriPartial.Authority)}.");
        }

        if (visited.Contains(next.AbsoluteUri))
        {
            throw new DefenderApiException(
                DefenderErrorKind.InvalidResponse,
                $"Paging for {call.Subject} stopped: the service returned a next page link it had already returned ({next.AbsoluteUri}).");
        }

        return next;
    }

    private static async Task<byte[]> ReadAllAsync(Stream body, CancellationToken cancellationToken)
    {
        using var copy = new MemoryStream();
        await body.CopyToAsync(copy, 81920, cancellationToken).ConfigureAwait(false);
        return copy.ToArray();
    }
}
