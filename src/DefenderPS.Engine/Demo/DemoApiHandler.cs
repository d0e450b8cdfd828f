using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
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
/// exercises the same HTTP pipeline, paging and errors as a real tenant, with no network: recorded requests first,
/// then the list endpoints over the tenant's alert and machine sets (see <see cref="EntityApi"/>), else 404.
/// </summary>
internal sealed class DemoApiHandler : HttpMessageHandler
{
    public static readonly Uri ApiUri = new("https://demo.defenderps.invalid/");

    private const string ResourceName = "DefenderPS.Demo.DemoTenant.json";

    // Parsed once per process, on the first -Demo connection, never at import.
    private static readonly Lazy<DemoTenant> Tenant = new Lazy<DemoTenant>(Load);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (DemoHunting.IsHuntingRequest(request.RequestUri!))
        {
            return DemoHunting.AnswerAsync(request);
        }

        var uri = request.RequestUri!;
        var path = Uri.UnescapeDataString(uri.AbsolutePath);
        var query = uri.Query.TrimStart('?');
        var tenant = Tenant.Value;
        DemoResponse answer;
        if (tenant.Recordings.TryGetValue(Key(request.Method.Method, path, query), out var recorded))
        {
            answer = recorded;
        }
        else
        {
            var template = ApiRoutes.Match(request.Method.Method, path, out var id);
            answer = tenant.Entities.Answer(template, id, BaseUrl, uri.AbsolutePath, query) is { } served
                ? new DemoResponse(served.Status, served.Body ?? Error(served.ErrorCode!, served.ErrorMessage!))
                : NotFound(uri.AbsolutePath);
        }

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
            : new DemoResponse(404, Error("ResourceNotFound", "Resource was not found in the demo tenant."));

    private static string Error(string code, string message) =>
        $"{{\"error\":{{\"code\":{EntitySet.JsonString(code)},\"message\":{EntitySet.JsonString(message)},\"target\":\"|demo.\"}}}}";

    private static string BaseUrl => ApiUri.GetLeftPart(UriPartial.Authority);

    private static string Key(string method, string path, string query) =>
        $"{method.ToUpperInvariant()} {path.ToLowerInvariant()}?{query}";

    private static DemoTenant Load()
    {
        using var stream = typeof(DemoApiHandler).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The module is missing its demo tenant resource {ResourceName}.");
        using var reader = new StreamReader(stream);
        using var document = JsonDocument.Parse(reader.ReadToEnd());
        var tenant = new DemoTenant();
        foreach (var entry in document.RootElement.EnumerateArray())
        {
            // Entity sets (alerts, machines, users) answer the list endpoints; every other entry is one recorded request.
            var setName = EntitySet.SetName(entry);
            if (setName is not null)
            {
                var sets = new[] { tenant.Entities.Alerts, tenant.Entities.Machines, tenant.Entities.Users };
                sets.First(set => set.Name == setName).Load(entry);
                continue;
            }

            var request = entry.GetProperty("request");
            var response = entry.GetProperty("response");
            var query = request.TryGetProperty("query", out var q) ? q.GetString() ?? string.Empty : string.Empty;
            var body = response.GetProperty("body").GetRawText().Replace("{{baseUrl}}", BaseUrl);
            tenant.Recordings[Key(request.GetProperty("method").GetString()!, request.GetProperty("path").GetString()!, query)] =
                new DemoResponse(response.GetProperty("status").GetInt32(), body);
        }

        return tenant;
    }

    private sealed class DemoTenant
    {
        public Dictionary<string, DemoResponse> Recordings { get; } = new Dictionary<string, DemoResponse>(StringComparer.Ordinal);

        public EntityApi Entities { get; } = new EntityApi(EntitySet.Alerts(), EntitySet.Machines(), EntitySet.Users(), new ODataPaging());
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
