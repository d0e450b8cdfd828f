using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using DefenderPS.FakeApi;

namespace DefenderPS.FakeApi.Tests;

/// <summary>
/// The fake's Microsoft Graph advanced hunting endpoint, spoken to over plain HTTP: Graph's response and error shapes,
/// its own token audience, the contoso answers, generated rows for streaming, and throttling.
/// </summary>
public sealed class HuntingEndpointTests : IAsyncLifetime
{
    private const string HuntingPath = "v1.0/security/runHuntingQuery";
    private const string MdePath = "api/machines/7513d6d510e2ddf829035fd7fefa8c785c30adae/logonusers";

    private FakeDefenderApi _api = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _api = await FakeDefenderApi.StartAsync();
        _http = new HttpClient { BaseAddress = _api.BaseUri };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _api.DisposeAsync();
    }

    [Fact]
    public async Task A_known_query_is_answered_in_Graphs_shape_and_its_body_is_logged()
    {
        using var response = await Hunt(ContosoHunting.LogonsByAccountAndDevice, timespan: "P7D");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = await Json(response);
        var root = body.RootElement;
        Assert.Equal($"{_api.BaseUri}v1.0/$metadata#microsoft.graph.security.huntingQueryResults", root.GetProperty("@odata.context").GetString());
        Assert.Equal(["AccountName", "DeviceName", "DeviceId", "LogonCount"], root.GetProperty("schema").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        var rows = root.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(8, rows.Count);
        Assert.Equal("svc-backup", rows[3].GetProperty("AccountName").GetString());
        Assert.Equal(96, rows[3].GetProperty("LogonCount").GetInt64());

        var logged = _api.Requests.Last();
        Assert.Equal(("POST", "/v1.0/security/runHuntingQuery", 200), (logged.Method, logged.DecodedPath, logged.ResponseStatus));
        Assert.Equal(ContosoHunting.LogonsByAccountAndDevice, logged.Form!["Query"]);
        Assert.Equal("P7D", logged.Form["Timespan"]);
    }

    [Fact]
    public async Task The_control_log_shows_a_scripts_query_and_the_scope_of_each_token_request()
    {
        await IssueToken("https://graph.microsoft.com/.default");
        using var response = await Hunt(ContosoHunting.RemoteDesktopConnections);

        using var log = JsonDocument.Parse(await _http.GetStringAsync("_fake/requests"));
        var forms = log.RootElement.EnumerateArray().Select(entry => entry.GetProperty("form")).ToList();
        Assert.Equal("https://graph.microsoft.com/.default", forms[0].GetProperty("scope").GetString());
        Assert.Equal(ContosoHunting.RemoteDesktopConnections, forms[1].GetProperty("Query").GetString());
    }

    [Fact]
    public async Task Queries_match_whatever_their_whitespace()
    {
        var spread = ContosoHunting.AlertEvidence.Replace(" | ", "\n| ", StringComparison.Ordinal).Replace(", ", ",\r\n    ", StringComparison.Ordinal);

        using var response = await Hunt("  " + spread + "\n");

        using var body = await Json(response);
        Assert.Equal(4, body.RootElement.GetProperty("results").GetArrayLength());
    }

    [Fact]
    public async Task Each_static_token_is_accepted_only_by_its_own_API()
    {
        using var mdeOnGraph = await Hunt(ContosoHunting.LogonsByAccountAndDevice, _api.AccessToken);
        using var graphOnMde = await Get(MdePath, _api.GraphAccessToken);
        using var mdeOnMde = await Get(MdePath, _api.AccessToken);
        using var anonymous = await Hunt(ContosoHunting.LogonsByAccountAndDevice, token: "");

        Assert.Equal(HttpStatusCode.Unauthorized, mdeOnGraph.StatusCode);
        Assert.Equal("Access token validation failure. Invalid audience.", await ErrorMessage(mdeOnGraph));
        Assert.Equal(HttpStatusCode.Unauthorized, graphOnMde.StatusCode);
        Assert.Equal(HttpStatusCode.OK, mdeOnMde.StatusCode);
        Assert.Equal("InvalidAuthenticationToken", await ErrorCode(anonymous));
    }

    [Fact]
    public async Task Tokens_from_one_credential_work_where_their_scope_points()
    {
        var graphToken = await IssueToken("https://graph.microsoft.com/.default");
        var mdeToken = await IssueToken("https://api.securitycenter.microsoft.com/.default");

        using var graphOnGraph = await Hunt(ContosoHunting.LogonsByAccountAndDevice, graphToken);
        using var graphOnMde = await Get(MdePath, graphToken);
        using var mdeOnMde = await Get(MdePath, mdeToken);
        using var mdeOnGraph = await Hunt(ContosoHunting.LogonsByAccountAndDevice, mdeToken);

        Assert.Equal(
            [HttpStatusCode.OK, HttpStatusCode.Unauthorized, HttpStatusCode.OK, HttpStatusCode.Unauthorized],
            [graphOnGraph.StatusCode, graphOnMde.StatusCode, mdeOnMde.StatusCode, mdeOnGraph.StatusCode]);
        Assert.Equal(
            ["https://graph.microsoft.com/.default", "https://api.securitycenter.microsoft.com/.default"],
            _api.Requests.Where(r => r.DecodedPath.EndsWith("/token", StringComparison.Ordinal)).Select(r => r.Form!["scope"]));
    }

    [Fact]
    public async Task An_expired_Graph_token_is_refused_as_expired()
    {
        _api.IssuedTokenLifetime = TimeSpan.Zero;

        using var response = await Hunt(ContosoHunting.LogonsByAccountAndDevice, await IssueToken("https://graph.microsoft.com/.default"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Lifetime validation failed, the token is expired.", await ErrorMessage(response));
    }

    [Theory]
    [InlineData("https://graph.microsoft.us/.default")]
    [InlineData("https://dod-graph.microsoft.us/.default")]
    public async Task Graph_tokens_of_the_government_clouds_are_Graph_tokens_too(string scope)
    {
        using var response = await Hunt(ContosoHunting.LogonsByAccountAndDevice, await IssueToken(scope));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_query_that_does_not_parse_gets_Graphs_400_with_the_parsers_message()
    {
        using var response = await Hunt(ContosoHunting.Misspelled);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = await Json(response);
        var error = body.RootElement.GetProperty("error");
        Assert.Equal("BadRequest", error.GetProperty("code").GetString());
        Assert.Equal("Query could not be parsed at 'whre' on line [1,20]", error.GetProperty("message").GetString());
        Assert.True(Guid.TryParse(error.GetProperty("innerError").GetProperty("request-id").GetString(), out _));
    }

    [Fact]
    public async Task A_bare_table_exceeds_the_result_size()
    {
        using var response = await Hunt("DeviceProcessEvents");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("exceeded the allowed result size", await ErrorMessage(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_query_is_refused_with_the_list_of_known_ones()
    {
        using var response = await Hunt("DeviceFileEvents | where FileName == 'x.exe'");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var message = await ErrorMessage(response);
        Assert.StartsWith("The fake API has no answer for this query.", message, StringComparison.Ordinal);
        Assert.Contains(ContosoHunting.PowerShellProcesses, message, StringComparison.Ordinal);
        Assert.Contains(ContosoHunting.GeneratedPattern, message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"Timespan":"P1D"}""", "Invalid request body: the Query property is required.")]
    [InlineData("""{"Query":"DeviceEvents","Timespan":"7 days"}""", "Invalid Timespan '7 days': expected an ISO 8601 duration such as P7D.")]
    [InlineData("not json", "Invalid request body: the Query property is required.")]
    public async Task A_bad_body_is_refused(string body, string expectedMessage)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, HuntingPath) { Content = new StringContent(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _api.GraphAccessToken);

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(expectedMessage, await ErrorMessage(response));
    }

    [Fact]
    public async Task A_test_can_add_its_own_answer()
    {
        _api.AddHuntingAnswer("print x = 1", GraphResponse.HuntingResults("""[{"Name":"x","Type":"Int"}]""", """[{"x":1}]"""));

        using var response = await Hunt("print  x = 1");

        using var body = await Json(response);
        Assert.Equal(1, body.RootElement.GetProperty("results")[0].GetProperty("x").GetInt32());
    }

    [Fact]
    public async Task Generated_rows_are_streamed_in_pieces_up_to_the_row_limit()
    {
        using var response = await Hunt("DeviceNetworkEvents | take 50000", completion: HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(response.Content.Headers.ContentLength);
        Assert.True(response.Headers.TransferEncodingChunked);
        using var body = await Json(response);
        var rows = body.RootElement.GetProperty("results");
        Assert.Equal(50_000, rows.GetArrayLength());
        Assert.Equal(49_999, rows[49_999].GetProperty("ReportId").GetInt64());
        Assert.Equal("7513d6d510e2ddf829035fd7fefa8c785c30adae", rows[0].GetProperty("DeviceId").GetString());

        using var capped = await Hunt("DeviceNetworkEvents | take 250000");
        using var cappedBody = await Json(capped);
        Assert.Equal(100_000, cappedBody.RootElement.GetProperty("results").GetArrayLength());
    }

    [Fact]
    public async Task Over_the_call_rate_Graph_answers_429_with_Retry_After_and_says_which_limit()
    {
        _api.HuntingCallsPerMinute = 2;

        using var first = await Hunt(ContosoHunting.LogonsByAccountAndDevice);
        using var second = await Hunt(ContosoHunting.Misspelled);
        using var third = await Hunt(ContosoHunting.LogonsByAccountAndDevice);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.BadRequest, HttpStatusCode.TooManyRequests], [first.StatusCode, second.StatusCode, third.StatusCode]);
        Assert.InRange(third.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);
        Assert.Contains("call rate", await ErrorMessage(third), StringComparison.Ordinal);
        Assert.Equal(1, _api.ThrottledCount);
    }

    [Fact]
    public async Task A_scripted_CPU_quota_429_is_served_and_the_query_still_logged()
    {
        _api.Enqueue("POST", "/" + HuntingPath, GraphResponse.Throttled(HuntingQuota.Cpu, 30), GraphResponse.Forbidden());

        using var throttled = await Hunt(ContosoHunting.RemoteDesktopConnections);
        using var forbidden = await Hunt(ContosoHunting.RemoteDesktopConnections);
        using var answered = await Hunt(ContosoHunting.RemoteDesktopConnections);

        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(30), throttled.Headers.RetryAfter!.Delta);
        Assert.Contains("CPU quota", await ErrorMessage(throttled), StringComparison.Ordinal);
        Assert.Contains("ThreatHunting.Read.All", await ErrorMessage(forbidden), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.All(_api.Requests, r => Assert.Equal(ContosoHunting.RemoteDesktopConnections, r.Form!["Query"]));
    }

    private async Task<HttpResponseMessage> Hunt(
        string query, string? token = null, string? timespan = null, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, HuntingPath)
        {
            Content = JsonContent.Create(timespan is null ? new Dictionary<string, string> { ["Query"] = query } : new() { ["Query"] = query, ["Timespan"] = timespan }),
        };
        var bearer = token ?? _api.GraphAccessToken;
        if (bearer.Length > 0)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return await _http.SendAsync(request, completion);
    }

    private async Task<HttpResponseMessage> Get(string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await _http.SendAsync(request);
    }

    private async Task<string> IssueToken(string scope)
    {
        using var response = await _http.PostAsync("contoso.onmicrosoft.com/oauth2/v2.0/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = FakeApiOptions.DefaultClientId,
            ["client_secret"] = FakeApiOptions.DefaultClientSecret,
            ["scope"] = scope,
        }));
        using var body = await Json(response);
        return body.RootElement.GetProperty("access_token").GetString()!;
    }

    private static async Task<JsonDocument> Json(HttpResponseMessage response) =>
        await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync());

    private static async Task<string> ErrorMessage(HttpResponseMessage response)
    {
        using var body = await Json(response);
        return body.RootElement.GetProperty("error").GetProperty("message").GetString()!;
    }

    private static async Task<string> ErrorCode(HttpResponseMessage response)
    {
        using var body = await Json(response);
        return body.RootElement.GetProperty("error").GetProperty("code").GetString()!;
    }
}
