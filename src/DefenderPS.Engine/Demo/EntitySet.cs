using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace DefenderPS.Demo;

/// <summary>How list answers are cut into pages.</summary>
internal sealed class ODataPaging
{
    /// <summary>The service's page cap and <c>$top</c> maximum.</summary>
    public const int ServiceMaximum = 10000;

    /// <summary>Rows in one page (the service: 10,000); lower it to reach the page boundary with few rows.</summary>
    public int PageSize { get; set; } = ServiceMaximum;

    /// <summary>Largest <c>$top</c> accepted; above it the answer is 400.</summary>
    public int MaxTop { get; set; } = ServiceMaximum;

    /// <summary>
    /// Reproduce the service's reported paging bugs: with <c>$top</c> no <c>@odata.nextLink</c> ever comes back (a
    /// <c>$top</c> beyond one page is silently cut to a page); without it a full page links to <c>$skip=PageSize</c>
    /// and every later link degrades the query (parameter names dropped, so the filter is lost) while still asking
    /// for <c>$skip=PageSize</c>: an endless loop over repeated rows. Off: a correct nextLink with <c>$skip</c> advanced.
    /// </summary>
    public bool NextLinkQuirks { get; set; }
}

/// <summary>
/// One entity set (Alerts, Machines, Users) answering OData list and single-entity requests. Entities are kept as the exact
/// JSON text they were given, so an entity is byte-identical in every answer that carries it.
/// </summary>
/// <remarks>Shared by the demo tenant (net8.0 and net472) and the test fake (linked source): keep to APIs both have.</remarks>
internal sealed class EntitySet
{
    public static readonly IReadOnlyDictionary<string, ODataType> AlertFilterable = new Dictionary<string, ODataType>
    {
        ["alertCreationTime"] = ODataType.DateTimeOffset,
        ["lastUpdateTime"] = ODataType.DateTimeOffset,
        ["lastEventTime"] = ODataType.DateTimeOffset,
        ["incidentId"] = ODataType.Number,
        ["investigationId"] = ODataType.Number,
        ["id"] = ODataType.String,
        ["assignedTo"] = ODataType.String,
        ["detectionSource"] = ODataType.String,
        ["status"] = ODataType.String,
        ["severity"] = ODataType.String,
        ["category"] = ODataType.String,
    };

    public static readonly IReadOnlyDictionary<string, ODataType> MachineFilterable = new Dictionary<string, ODataType>
    {
        ["computerDnsName"] = ODataType.String,
        ["id"] = ODataType.String,
        ["version"] = ODataType.String,
        ["deviceValue"] = ODataType.String,
        ["aadDeviceId"] = ODataType.String,
        ["machineTags"] = ODataType.StringCollection,
        ["lastSeen"] = ODataType.DateTimeOffset,
        ["exposureLevel"] = ODataType.String,
        ["onboardingStatus"] = ODataType.String,
        ["lastIpAddress"] = ODataType.String,
        ["healthStatus"] = ODataType.String,
        ["osPlatform"] = ODataType.String,
        ["riskScore"] = ODataType.String,
        ["rbacGroupId"] = ODataType.Number,
    };

    public static readonly IReadOnlyDictionary<string, ODataType> MachineActionFilterable = new Dictionary<string, ODataType>
    {
        ["id"] = ODataType.String,
        ["status"] = ODataType.String,
        ["machineId"] = ODataType.String,
        ["type"] = ODataType.String,
        ["requestor"] = ODataType.String,
        ["creationDateTimeUtc"] = ODataType.DateTimeOffset,
    };

    private static readonly HashSet<string> KnownOptions = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "$filter", "$top", "$skip", "$expand", "$orderby" };

    private readonly List<Entity> _entities = new List<Entity>();
    private readonly Dictionary<string, Entity> _byId = new Dictionary<string, Entity>(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _evidence = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    private EntitySet(string name, IReadOnlyDictionary<string, ODataType> filterable)
    {
        Name = name;
        Filterable = filterable;
    }

    public static EntitySet Alerts() => new EntitySet("Alerts", AlertFilterable);

    public static EntitySet Machines() => new EntitySet("Machines", MachineFilterable);

    /// <summary>Full users, served by the relation endpoints only (the API has no user list).</summary>
    public static EntitySet Users() => new EntitySet("Users", new Dictionary<string, ODataType>());

    public static EntitySet MachineActions() => new EntitySet("MachineActions", MachineActionFilterable);

    /// <summary>
    /// A set with the same entities and evidence that can change without changing this one: entities are immutable, so
    /// only the lists are copied (how each demo session gets its own alerts and machines from the one parsed tenant).
    /// </summary>
    public EntitySet Copy()
    {
        var copy = new EntitySet(Name, Filterable);
        copy._entities.AddRange(_entities);
        foreach (var pair in _byId)
        {
            copy._byId.Add(pair.Key, pair.Value);
        }

        foreach (var pair in _evidence)
        {
            copy._evidence.Add(pair.Key, pair.Value);
        }

        return copy;
    }

    /// <summary>"Alerts", "Machines", "Users" or "MachineActions", as in <c>$metadata#Alerts</c>.</summary>
    public string Name { get; }

    public IReadOnlyDictionary<string, ODataType> Filterable { get; }

    public int Count => _entities.Count;

    public IEnumerable<Entity> Entities => _entities;

    /// <summary>Adds an entity (a JSON object with an <c>id</c>), kept verbatim; a second entity with the same id replaces the first.</summary>
    public void Add(string json)
    {
        JsonElement element;
        using (var document = JsonDocument.Parse(json))
        {
            element = document.RootElement.Clone();
        }

        var id = element.GetProperty("id").GetString() ?? throw new FormatException("An entity's id must be a string.");
        var entity = new Entity(id, json.Trim(), element);
        if (_byId.TryGetValue(id, out var old))
        {
            _entities[_entities.IndexOf(old)] = entity;
        }
        else
        {
            _entities.Add(entity);
        }

        _byId[id] = entity;
    }

    /// <summary>
    /// The set a set file fills (<c>{"entitySet":"Alerts","value":[...],"evidence":{"alertId":[...]}}</c>), or null when
    /// <paramref name="file"/> is not a set file (a recording).
    /// </summary>
    public static string? SetName(JsonElement file) =>
        file.ValueKind == JsonValueKind.Object && file.TryGetProperty("entitySet", out var name) ? name.GetString() : null;

    /// <summary>Adds a set file's entities, each kept exactly as written there, and its evidence.</summary>
    public void Load(JsonElement file)
    {
        foreach (var entity in file.GetProperty("value").EnumerateArray())
        {
            Add(entity.GetRawText());
        }

        if (file.TryGetProperty("evidence", out var evidence))
        {
            foreach (var alert in evidence.EnumerateObject())
            {
                SetEvidence(alert.Name, alert.Value.GetRawText());
            }
        }
    }

    /// <summary>Evidence served for an alert under <c>$expand=evidence</c> (a JSON array); without it every alert has <c>evidence: []</c>.</summary>
    public void SetEvidence(string alertId, string jsonArray) => _evidence[alertId] = jsonArray.Trim();

    public Entity? Find(string id) => _byId.TryGetValue(id, out var entity) ? entity : null;

    /// <summary>The answer to a list request over <paramref name="candidates"/> (this whole set when null).</summary>
    /// <param name="baseUrl">Server root written into <c>@odata.context</c> and links (may be a placeholder).</param>
    /// <param name="requestPath">The request's path as sent (percent-encoded), for the nextLink.</param>
    /// <param name="rawQuery">The query without <c>?</c>, percent-encoded as sent.</param>
    /// <exception cref="ODataQueryException">A query option the service would refuse with 400.</exception>
    public string List(string baseUrl, string requestPath, string? rawQuery, ODataPaging paging, IEnumerable<Entity>? candidates = null)
    {
        var query = QueryOptions.Parse(rawQuery);
        var top = query.Int("$top", 0, paging.MaxTop);
        var skip = query.Int("$skip", 0, int.MaxValue) ?? 0;
        var expandEvidence = ParseExpand(query.Get("$expand"));
        var filter = query.Get("$filter") is string filterText ? ODataFilter.Parse(filterText, Name, Filterable) : null;

        IEnumerable<Entity> rows = candidates ?? _entities;
        if (filter is not null)
        {
            rows = rows.Where(e => filter.Matches(e.Element));
        }

        rows = Order(rows, query.Get("$orderby"));

        var matching = rows.ToList();
        var wanted = top is int t ? Math.Min(t, Math.Max(0, matching.Count - skip)) : Math.Max(0, matching.Count - skip);
        var pageRows = Math.Min(wanted, paging.PageSize);
        string? nextLink = null;
        if (paging.NextLinkQuirks)
        {
            // The reported bug: only an unlimited query that fills a page links on, and it links badly.
            if (top is null && pageRows == paging.PageSize && pageRows > 0)
            {
                nextLink = query.QuirkyNextQuery(paging.PageSize);
            }
        }
        else if (pageRows < wanted)
        {
            var next = new List<KeyValuePair<string, string>> { Pair("$skip", skip + pageRows) };
            if (top is int limit)
            {
                next.Add(Pair("$top", limit - pageRows));
            }

            nextLink = query.With(next);
        }

        var body = new StringBuilder();
        body.Append("{\"@odata.context\":").Append(JsonString($"{baseUrl}/api/$metadata#{Name}")).Append(",\"value\":[");
        for (var i = 0; i < pageRows; i++)
        {
            if (i > 0)
            {
                body.Append(',');
            }

            body.Append(Render(matching[skip + i], expandEvidence));
        }

        body.Append(']');
        if (nextLink is not null)
        {
            body.Append(",\"@odata.nextLink\":").Append(JsonString(baseUrl + requestPath + "?" + nextLink));
        }

        return body.Append('}').ToString();
    }

    /// <summary>A single entity, as <c>GET /api/alerts/{id}</c> answers it.</summary>
    /// <exception cref="ODataQueryException">A query option the service would refuse with 400.</exception>
    public string Single(string baseUrl, Entity entity, string? rawQuery)
    {
        var query = QueryOptions.Parse(rawQuery);
        var expandEvidence = ParseExpand(query.Get("$expand"));
        var json = Render(entity, expandEvidence);
        var context = "{\"@odata.context\":" + JsonString($"{baseUrl}/api/$metadata#{Name}/$entity");
        return json == "{}" ? context + "}" : context + "," + json.Substring(1);
    }

    private bool ParseExpand(string? expand)
    {
        if (expand is null)
        {
            return false;
        }

        if (Name == "Alerts" && string.Equals(expand.Trim(), "evidence", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        throw new ODataQueryException($"The query specified in the URI is not valid: '{expand}' cannot be expanded on {Name}" + (Name == "Alerts" ? "; only evidence can." : "."));
    }

    private string Render(Entity entity, bool expandEvidence)
    {
        // Entities carry "evidence":[] (compact, as stored); $expand puts the alert's evidence in its place.
        const string EmptyEvidence = "\"evidence\":[]";
        if (!expandEvidence || !_evidence.TryGetValue(entity.Id, out var evidence))
        {
            return entity.Json;
        }

        var at = entity.Json.LastIndexOf(EmptyEvidence, StringComparison.Ordinal);
        return at < 0 ? entity.Json : entity.Json.Substring(0, at) + "\"evidence\":" + evidence + entity.Json.Substring(at + EmptyEvidence.Length);
    }

    private IEnumerable<Entity> Order(IEnumerable<Entity> rows, string? orderBy)
    {
        if (orderBy is null)
        {
            return rows;
        }

        // One key, as clients send it (undocumented but accepted): "alertCreationTime desc".
        var parts = orderBy.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries);
        var property = parts.Length is 1 or 2 ? Filterable.Keys.FirstOrDefault(k => string.Equals(k, parts[0], StringComparison.OrdinalIgnoreCase)) : null;
        var descending = parts.Length == 2 && string.Equals(parts[1], "desc", StringComparison.OrdinalIgnoreCase);
        if (property is null || Filterable[property] == ODataType.StringCollection || (parts.Length == 2 && !descending && !string.Equals(parts[1], "asc", StringComparison.OrdinalIgnoreCase)))
        {
            throw new ODataQueryException($"The query specified in the URI is not valid: '$orderby={orderBy}' must be one filterable property of {Name}, optionally followed by asc or desc.");
        }

        var type = Filterable[property];
        Func<Entity, IComparable?> key = e =>
        {
            if (!e.Element.TryGetProperty(property, out var v))
            {
                return null;
            }

            switch (v.ValueKind)
            {
                case JsonValueKind.Number: return v.GetDecimal();
                case JsonValueKind.String when type == ODataType.DateTimeOffset && ODataFilter.TryParseDate(v.GetString()!, out var date): return date;
                case JsonValueKind.String: return v.GetString()!.ToUpperInvariant();
                default: return null;
            }
        };
        return descending ? rows.OrderByDescending(key) : rows.OrderBy(key);
    }

    /// <summary>The decoded value of the first query parameter called <paramref name="name"/> (case-insensitive), or null.</summary>
    public static string? QueryParameter(string? rawQuery, string name)
    {
        foreach (var part in (rawQuery ?? "").Split('&'))
        {
            var equals = part.IndexOf('=');
            var rawName = equals < 0 ? part : part.Substring(0, equals);
            if (string.Equals(QueryOptions.Decode(rawName), name, StringComparison.OrdinalIgnoreCase))
            {
                return equals < 0 ? "" : QueryOptions.Decode(part.Substring(equals + 1));
            }
        }

        return null;
    }

    private static KeyValuePair<string, string> Pair(string name, int value) =>
        new KeyValuePair<string, string>(name, value.ToString(CultureInfo.InvariantCulture));

    internal static string JsonString(string value)
    {
        var json = new StringBuilder("\"");
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': json.Append("\\\""); break;
                case '\\': json.Append("\\\\"); break;
                default:
                    if (c < ' ')
                    {
                        json.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        json.Append(c);
                    }

                    break;
            }
        }

        return json.Append('"').ToString();
    }

    /// <summary>An entity as stored: its id, its exact JSON and the parsed form filters read.</summary>
    internal sealed class Entity
    {
        public Entity(string id, string json, JsonElement element)
        {
            Id = id;
            Json = json;
            Element = element;
        }

        public string Id { get; }

        public string Json { get; }

        public JsonElement Element { get; }

        /// <summary>A string property, or null when absent or not a string.</summary>
        public string? String(string name) =>
            Element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }

    /// <summary>The query string as sent (raw pairs kept for links) and its decoded system query options.</summary>
    private sealed class QueryOptions
    {
        private readonly List<KeyValuePair<string, string>> _raw = new List<KeyValuePair<string, string>>();
        private readonly Dictionary<string, string> _options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

        public static QueryOptions Parse(string? rawQuery)
        {
            var query = new QueryOptions();
            if (string.IsNullOrEmpty(rawQuery))
            {
                return query;
            }

            foreach (var part in rawQuery!.Split('&'))
            {
                if (part.Length == 0)
                {
                    continue;
                }

                var equals = part.IndexOf('=');
                var rawName = equals < 0 ? part : part.Substring(0, equals);
                var rawValue = equals < 0 ? "" : part.Substring(equals + 1);
                query._raw.Add(new KeyValuePair<string, string>(rawName, rawValue));

                // A parameter without a name (what the quirky nextLink leaves) is ignored, as the service ignores it.
                var name = Decode(rawName);
                if (!name.StartsWith("$", StringComparison.Ordinal))
                {
                    continue;
                }

                if (!KnownOptions.Contains(name))
                {
                    throw new ODataQueryException($"The query parameter '{name}' is not supported.");
                }

                if (query._options.ContainsKey(name))
                {
                    throw new ODataQueryException($"The query option '{name}' was specified more than once, but it must be specified at most once.");
                }

                query._options[name] = Decode(rawValue);
            }

            return query;
        }

        public string? Get(string option) => _options.TryGetValue(option, out var value) ? value : null;

        public int? Int(string option, int min, int max)
        {
            var text = Get(option);
            if (text is null)
            {
                return null;
            }

            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min)
            {
                throw new ODataQueryException($"Invalid value '{text}' for the query option '{option}': expected a whole number from {min}.");
            }

            if (value > max)
            {
                throw new ODataQueryException($"The limit of '{max}' for Top query has been exceeded. The value from the incoming request is '{value}'.");
            }

            return value;
        }

        /// <summary>This query with the given options replaced (or added); everything else stays as sent.</summary>
        public string With(IList<KeyValuePair<string, string>> replacements)
        {
            var kept = _raw.Where(p => !replacements.Any(r => string.Equals(Decode(p.Key), r.Key, StringComparison.OrdinalIgnoreCase)))
                .Select(p => p.Key + "=" + p.Value);
            return string.Join("&", kept.Concat(replacements.Select(r => r.Key + "=" + Uri.EscapeDataString(r.Value))));
        }

        /// <summary>The service's broken link: first just "$skip=N" added, then every name dropped and "$skip=N" again.</summary>
        public string QuirkyNextQuery(int pageSize)
        {
            var skip = "$skip=" + pageSize.ToString(CultureInfo.InvariantCulture);
            if (!_options.ContainsKey("$skip"))
            {
                return string.Join("&", _raw.Select(p => p.Key + "=" + p.Value).Concat(new[] { skip }));
            }

            return string.Join("&", _raw.Select(p => "=" + p.Value).Concat(new[] { skip }));
        }

        /// <summary>Form decoding, as the service reads a query: <c>+</c> is a space.</summary>
        public static string Decode(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));
    }
}
