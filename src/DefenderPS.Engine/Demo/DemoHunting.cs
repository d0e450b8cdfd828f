using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Tasks;

namespace DefenderPS.Demo;

/// <summary>
/// The demo tenant's Microsoft Graph advanced hunting (<c>POST /v1.0/security/runHuntingQuery</c> on the demo host):
/// a handful of documented example queries (about_DefenderPS_Hunting) answered with rows of the fabrikam tenant, matched
/// whatever their whitespace; any other query gets a 400 that lists them, so a user can copy one.
/// </summary>
internal static class DemoHunting
{
    private const string ResourceName = "DefenderPS.Demo.DemoHunting.json";
    private const string GraphJson = "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8";

    // Parsed on the first hunting request of the process, never at import.
    private static readonly Lazy<Dictionary<string, string>> Answers = new(Load);

    private static readonly Regex Whitespace = new(@"\s+", RegexOptions.CultureInvariant);

    /// <summary>The queries the demo tenant answers, in the order the help lists them.</summary>
    public static IReadOnlyList<string> Queries => Answers.Value.Keys.ToList();

    public static bool IsHuntingRequest(Uri uri) =>
        uri.AbsolutePath.Equals("/v1.0/security/runHuntingQuery", StringComparison.OrdinalIgnoreCase)
        || uri.AbsolutePath.Equals("/beta/security/runHuntingQuery", StringComparison.OrdinalIgnoreCase);

    public static async Task<HttpResponseMessage> AnswerAsync(HttpRequestMessage request)
    {
        var query = request.Method == HttpMethod.Post && request.Content is not null
            ? QueryOf(await request.Content.ReadAsStringAsync().ConfigureAwait(false))
            : null;
        var (status, body) = query is not null && Answers.Value.TryGetValue(Normalize(query), out var answer)
            ? (HttpStatusCode.OK, answer)
            : (HttpStatusCode.BadRequest, Error(query is null
                ? "The request body needs a Query."
                : "The demo tenant answers only these advanced hunting queries (Get-Help about_DefenderPS_Hunting lists them too): '" + string.Join("', '", Answers.Value.Keys) + "'."));
        var response = new HttpResponseMessage(status)
        {
            RequestMessage = request,
            Content = new StringContent(body, Encoding.UTF8),
        };
        response.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(GraphJson);
        return response;
    }

    /// <summary>Query text as compared: runs of whitespace (newlines included) count as one space, none at the ends.</summary>
    public static string Normalize(string query) => Whitespace.Replace(query.Trim(), " ");

    /// <summary>The body's Query, bound without case as Graph binds it; null when there is none.</summary>
    private static string? QueryOf(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name.Equals("Query", StringComparison.OrdinalIgnoreCase) && property.Value.ValueKind == JsonValueKind.String)
                {
                    return property.Value.GetString();
                }
            }
        }
        catch (JsonException)
        {
            // No JSON, no query: answered with the error that says so.
        }

        return null;
    }

    private static string Error(string message)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error");
            writer.WriteString("code", "BadRequest");
            writer.WriteString("message", message);
            writer.WriteStartObject("innerError");
            writer.WriteString("request-id", Guid.NewGuid().ToString());
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Each entry's query (normalized) to its whole Graph response body.</summary>
    private static Dictionary<string, string> Load()
    {
        using var stream = typeof(DemoHunting).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The module is missing its demo hunting resource {ResourceName}.");
        using var reader = new StreamReader(stream);
        using var document = JsonDocument.Parse(reader.ReadToEnd());
        var context = new Uri(DemoApiHandler.ApiUri, "v1.0/$metadata#microsoft.graph.security.huntingQueryResults").AbsoluteUri;
        var answers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in document.RootElement.EnumerateArray())
        {
            answers[Normalize(entry.GetProperty("query").GetString()!)] =
                $"{{\"@odata.context\":\"{context}\",\"schema\":{entry.GetProperty("schema").GetRawText()},\"results\":{entry.GetProperty("results").GetRawText()}}}";
        }

        return answers;
    }
}
