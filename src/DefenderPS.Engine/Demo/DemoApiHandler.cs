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
/// then the list endpoints over the tenant's alert and machine sets (see <see cref="EntityApi"/>), and the response
/// actions, tags and alert updates (see <see cref="ResponseEndpoints"/>), else 404. Each handler is one demo session: its
/// changes and machine actions are its own, so a new <c>Connect-Defender -Demo</c> starts from the shipped tenant.
/// </summary>
internal sealed class DemoApiHandler : HttpMessageHandler
{
    public static readonly Uri ApiUri = new("https://demo.defenderps.invalid/");

    /// <summary>Short, so that <c>Start-DefenderAntivirusScan -Wait</c> on the demo finishes in seconds.</summary>
    public static readonly ActionSchedule Schedule = new ActionSchedule(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), "Succeeded");

    /// <summary>Whom the demo records actions, comments and cancellations as requested by.</summary>
    public const string Requestor = "DefenderPS Demo";

    private const string ResourceName = "DefenderPS.Demo.DemoTenant.json";

    // Parsed once per process, on the first -Demo connection, never at import.
    private static readonly Lazy<DemoTenant> Tenant = new Lazy<DemoTenant>(Load);

    // The pipeline may send several requests at once; the session's sets are plain lists.
    private readonly object _gate = new object();
    private readonly EntityApi _entities;

    public DemoApiHandler()
        : this(TimeProvider.System)
    {
    }

    /// <param name="clock">What the session's machine actions are created at and scheduled by.</param>
    public DemoApiHandler(TimeProvider clock)
    {
        var tenant = Tenant.Value;
        _entities = new EntityApi(tenant.Alerts.Copy(), tenant.Machines.Copy(), tenant.Users, new ODataPaging(), clock, Requestor);
        _entities.Actions.Schedule = Schedule;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (DemoHunting.IsHuntingRequest(request.RequestUri!))
        {
            return await DemoHunting.AnswerAsync(request).ConfigureAwait(false);
        }

        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync().ConfigureAwait(false);

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
            EntityAnswer? served;
            lock (_gate)
            {
                served = _entities.Answer(template, id, BaseUrl, uri.AbsolutePath, query, body);
            }

            answer = served is not null
                ? new DemoResponse(served.Status, served.Body ?? Error(served.ErrorCode!, served.ErrorMessage!, served.ErrorTarget))
                : NotFound(uri.AbsolutePath);
        }

        var response = new HttpResponseMessage((HttpStatusCode)answer.Status)
        {
            RequestMessage = request,
            Content = new StringContent(answer.Body, Encoding.UTF8),
        };
        response.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json; odata.metadata=minimal; odata.streaming=true; charset=utf-8");
        return response;
    }

    /// <summary>The service answers an unknown user's alerts with an empty set, and everything else with 404.</summary>
    private static DemoResponse NotFound(string path) =>
        path.StartsWith("/api/users/", StringComparison.OrdinalIgnoreCase) && path.EndsWith("/alerts", StringComparison.OrdinalIgnoreCase)
            ? new DemoResponse(200, $"{{\"@odata.context\":\"{BaseUrl}/api/$metadata#Alerts\",\"value\":[]}}")
            : new DemoResponse(404, Error("ResourceNotFound", "Resource was not found in the demo tenant."));

    /// <param name="target">What the error names; null for a fresh correlation id shaped like the service's (<c>|{32 hex}.{16 hex}.</c>).</param>
    private static string Error(string code, string message, string? target = null)
    {
        target ??= $"|{Guid.NewGuid():N}.{Guid.NewGuid().ToString("N").Substring(0, 16)}.";
        return $"{{\"error\":{{\"code\":{EntitySet.JsonString(code)},\"message\":{EntitySet.JsonString(message)},\"target\":{EntitySet.JsonString(target)}}}}}";
    }

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
                var sets = new[] { tenant.Alerts, tenant.Machines, tenant.Users };
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

        /// <summary>The shipped sets; each session works on copies of the alerts and machines (users never change).</summary>
        public EntitySet Alerts { get; } = EntitySet.Alerts();

        public EntitySet Machines { get; } = EntitySet.Machines();

        public EntitySet Users { get; } = EntitySet.Users();
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
