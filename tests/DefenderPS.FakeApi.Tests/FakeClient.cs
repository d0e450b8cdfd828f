using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace DefenderPS.FakeApi.Tests;

/// <summary>A started fake and a client that sends its token, with helpers to read the service's JSON.</summary>
internal sealed class FakeClient : IAsyncDisposable
{
    private FakeClient(FakeDefenderApi api)
    {
        Api = api;
        Http = new HttpClient { BaseAddress = api.BaseUri };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", api.AccessToken);
    }

    public FakeDefenderApi Api { get; }

    public HttpClient Http { get; }

    public static async Task<FakeClient> StartAsync(FakeApiOptions? options = null) => new(await FakeDefenderApi.StartAsync(options));

    /// <summary>GETs <paramref name="pathAndQuery"/> (sent as written, so tests control the encoding) and parses the body.</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> GetAsync(string pathAndQuery)
    {
        var response = await Http.GetAsync(pathAndQuery);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone(), response);
    }

    /// <summary>Sends <paramref name="body"/> (as JSON text, unchecked; null sends none) and parses the answer.</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string pathAndQuery, string? body)
    {
        using var request = new HttpRequestMessage(method, pathAndQuery);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    public Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string pathAndQuery, string? body) => SendAsync(HttpMethod.Post, pathAndQuery, body);

    public async Task<string> GetTextAsync(string pathAndQuery)
    {
        var response = await Http.GetAsync(pathAndQuery);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Follows nextLinks from <paramref name="pathAndQuery"/>, at most <paramref name="maxPages"/> pages; the ids in order and the links seen.</summary>
    public async Task<(List<string> Ids, List<string> Links)> ListAllAsync(string pathAndQuery, int maxPages = 100)
    {
        var ids = new List<string>();
        var links = new List<string>();
        string? next = pathAndQuery;
        for (var page = 0; next is not null && page < maxPages; page++)
        {
            var (status, body, _) = await GetAsync(next);
            Assert.Equal(HttpStatusCode.OK, status);
            ids.AddRange(body.GetProperty("value").EnumerateArray().Select(e => e.GetProperty("id").GetString()!));
            next = body.TryGetProperty("@odata.nextLink", out var link) ? link.GetString() : null;
            if (next is not null)
            {
                links.Add(next);
            }
        }

        return (ids, links);
    }

    public static List<string> Ids(JsonElement body) =>
        body.GetProperty("value").EnumerateArray().Select(e => e.GetProperty("id").GetString()!).ToList();

    /// <summary>The filter as a client should send it: percent-encoded.</summary>
    public static string Filter(string filter) => "$filter=" + Uri.EscapeDataString(filter);

    /// <summary>JSON text without the whitespace between tokens; strings (and their escapes) and numbers unchanged.</summary>
    public static string Minify(string json)
    {
        var text = new StringBuilder(json.Length);
        var inString = false;
        for (var i = 0; i < json.Length; i++)
        {
            var c = json[i];
            if (inString)
            {
                text.Append(c);
                if (c == '\\')
                {
                    text.Append(json[++i]);
                }
                else if (c == '"')
                {
                    inString = false;
                }
            }
            else if (!char.IsWhiteSpace(c))
            {
                text.Append(c);
                inString = c == '"';
            }
        }

        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Api.DisposeAsync();
    }
}
