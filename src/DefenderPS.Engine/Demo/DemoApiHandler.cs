using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace DefenderPS.Demo;

/// <summary>
/// Answers API requests from the sample tenant shipped inside the module, so that Connect-Defender -Demo
/// exercises the same HTTP pipeline, paging and errors as a real tenant, with no network.
/// </summary>
internal sealed class DemoApiHandler : HttpMessageHandler
{
    public static readonly Uri ApiUri = new("https://demo.defenderps.invalid/");

    private const string ResourceName = "DefenderPS.Demo.DemoTenant.json";

    // Parsed once per process, on the first -Demo connection, never at import.
    private static readonly Lazy<Dictionary<string, DemoResponse>> Responses = new(Load);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (DemoHunting.IsHuntingRequest(request.RequestUri!))
        {
            return DemoHunting.AnswerAsync(request);
        }

        var uri = request.RequestUri!;
        var key = Key(request.Method.Method, Uri.UnescapeDataString(uri.AbsolutePath), uri.Query.TrimStart('?'));
        var answer = Responses.Value.TryGetValue(key, out var recorded)
            ? recorded
            : NotFound(uri.AbsolutePath);
        var response = new HttpResponseMessage((HttpStatusCode)answer.Status)
        {
            RequestMessage = request,
            Content = new StringContent(answer.Body, Encoding.UTF8),
        };
        response.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json; odata.metadata=minimal; odata.streaming=true; charset=utf-8");
        return Task.FromResult(response);
    }

    /// <summary>The service answers an unknown user's alerts with an empty set, and everything else with 404.</summary>
    private static DemoResponse NotFound(string path) =>
        path.StartsWith("/api/users/", StringComparison.OrdinalIgnoreCase) && path.EndsWith("/alerts", StringComparison.OrdinalIgnoreCase)
            ? new DemoResponse(200, $"{{\"@odata.context\":\"{BaseUrl}/api/$metadata#Alerts\",\"value\":[]}}")
            : new DemoResponse(404, "{\"error\":{\"code\":\"ResourceNotFound\",\"message\":\"Resource was not found in the demo tenant.\",\"target\":\"|demo.\"}}");

    private static string BaseUrl => ApiUri.GetLeftPart(UriPartial.Authority);

    private static string Key(string method, string path, string query) =>
        $"{method.ToUpperInvariant()} {path.ToLowerInvariant()}?{query}";

    private static Dictionary<string, DemoResponse> Load()
    {
        using var stream = typeof(DemoApiHandler).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The module is missing its demo tenant resource {ResourceName}.");
        using var reader = new StreamReader(stream);
        using var document = JsonDocument.Parse(reader.ReadToEnd());
        var responses = new Dictionary<string, DemoResponse>(StringComparer.Ordinal);
        foreach (var recording in document.RootElement.EnumerateArray())
        {
            var request = recording.GetProperty("request");
            var response = recording.GetProperty("response");
            var query = request.TryGetProperty("query", out var q) ? q.GetString() ?? string.Empty : string.Empty;
            var body = response.GetProperty("body").GetRawText().Replace("{{baseUrl}}", BaseUrl);
            responses[Key(request.GetProperty("method").GetString()!, request.GetProperty("path").GetString()!, query)] =
                new DemoResponse(response.GetProperty("status").GetInt32(), body);
        }

        return responses;
    }

    private sealed class DemoResponse
    {
        public DemoResponse(int status, string body)
        {
            Status = status;
            Body = body;
        }

        public int Status { get; }

        public string Body { get; }
    }
}
