using System.Collections.Concurrent;
using System.Text.Json;
using DefenderPS.Demo;

namespace DefenderPS.FakeApi;

/// <summary>
/// Identifies a request: method, percent-decoded path (case-insensitive, as the service treats it)
/// and query (compared after percent-decoding, so <c>$filter=a%20b</c> and <c>$filter=a b</c> agree).
/// </summary>
internal readonly record struct RequestKey(string Method, string Path, string? Query)
{
    public static RequestKey Create(string method, string decodedPath, string? query) =>
        new(method.ToUpperInvariant(), decodedPath, string.IsNullOrEmpty(query) ? null : Uri.UnescapeDataString(query));

    public bool Equals(RequestKey other) =>
        Method == other.Method && string.Equals(Path, other.Path, StringComparison.OrdinalIgnoreCase) && Query == other.Query;

    public override int GetHashCode() => HashCode.Combine(Method, StringComparer.OrdinalIgnoreCase.GetHashCode(Path), Query);

    /// <summary>From a URL-style <c>/path?query</c>, percent-encoded or not.</summary>
    public static RequestKey Parse(string method, string pathAndQuery)
    {
        var split = pathAndQuery.Split('?', 2);
        return Create(method, Uri.UnescapeDataString(split[0]), split.Length > 1 ? split[1] : null);
    }

    public override string ToString() => Query is null ? $"{Method} {Path}" : $"{Method} {Path}?{Query}";
}

/// <summary>
/// Recorded responses by request, and the alert, machine and user sets the list and relation endpoints serve; loaded from JSON files
/// (a file with an <c>entitySet</c> property is a set file, see <see cref="EntitySet.Load"/>) and extended at run time.
/// </summary>
internal sealed class RecordingStore
{
    private static readonly JsonDocumentOptions JsonOptions = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    private readonly ConcurrentDictionary<RequestKey, FakeResponse> _responses = new();

    public EntitySet Alerts { get; } = EntitySet.Alerts();

    public EntitySet Machines { get; } = EntitySet.Machines();

    public EntitySet Users { get; } = EntitySet.Users();

    public FakeResponse? Find(RequestKey key) => _responses.GetValueOrDefault(key);

    /// <summary>Adds or replaces the answer to <paramref name="key"/>.</summary>
    public void Set(RequestKey key, FakeResponse response) => _responses[key] = response;

    /// <summary>Loads every <c>*.json</c> under <paramref name="directory"/>; two files recording the same request is an error.</summary>
    public static RecordingStore Load(string? directory)
    {
        var store = new RecordingStore();
        if (directory is null)
        {
            return store;
        }

        var origins = new Dictionary<RequestKey, string>();
        foreach (var file in Directory.EnumerateFiles(directory, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (store.TryLoadSet(file))
            {
                continue;
            }

            foreach (var (key, response) in ReadFile(file))
            {
                if (!origins.TryAdd(key, file))
                {
                    throw new InvalidDataException($"Recordings '{origins[key]}' and '{file}' both answer {key}.");
                }

                store.Set(key, response);
            }
        }

        return store;
    }

    /// <summary>The first <c>tests/recordings</c> folder walking up from the running binary, if any.</summary>
    public static string? FindDefaultDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "recordings");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private bool TryLoadSet(string file)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(file), JsonOptions);
            var set = EntitySet.SetName(document.RootElement) switch
            {
                null => null,
                "Alerts" => Alerts,
                "Machines" => Machines,
                "Users" => Users,
                var other => throw new InvalidDataException($"Unknown entity set '{other}': use Alerts, Machines or Users."),
            };
            set?.Load(document.RootElement);
            return set is not null;
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw new InvalidDataException($"Recording '{file}' is not valid: {e.Message}", e);
        }
    }

    private static List<(RequestKey, FakeResponse)> ReadFile(string file)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(file), JsonOptions);
            var root = document.RootElement;
            IEnumerable<JsonElement> entries = root.ValueKind == JsonValueKind.Array ? root.EnumerateArray() : [root];
            return entries.Select(ReadEntry).ToList();
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"Recording '{file}' is not valid: {e.Message}", e);
        }
    }

    private static (RequestKey, FakeResponse) ReadEntry(JsonElement entry)
    {
        var request = Required(entry, "request");
        var response = Required(entry, "response");

        var key = RequestKey.Create(
            Required(request, "method").GetString()!,
            Required(request, "path").GetString()!,
            request.TryGetProperty("query", out var query) ? query.GetString() : null);

        var headers = response.TryGetProperty("headers", out var h)
            ? h.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.OrdinalIgnoreCase)
            : null;

        var body = response.TryGetProperty("body", out var json) ? json.GetRawText()
            : response.TryGetProperty("bodyText", out var text) ? text.GetString()
            : null;

        return (key, FakeResponse.Api(Required(response, "status").GetInt32(), headers, body));
    }

    private static JsonElement Required(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) ? value : throw new InvalidDataException($"\"{name}\" is missing.");
}
