using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace DefenderPS.Http;

/// <summary>
/// What GETs answered, kept for a while (Connect-Defender -CacheTtl) so reports and runbooks do not spend a call twice
/// across commands. Off unless asked for, so nobody sees a stale alert status by surprise. A request that may change
/// something (any other method) drops what it may have changed.
/// </summary>
internal sealed class ResponseCache
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeSpan _timeToLive;
    private readonly TimeProvider _clock;

    public ResponseCache(TimeSpan timeToLive, TimeProvider clock)
    {
        _timeToLive = timeToLive;
        _clock = clock;
    }

    public TimeSpan TimeToLive => _timeToLive;

    /// <summary>Copies of what <paramref name="key"/> answered, if that is fresh; copies, so a caller's changes stay its own.</summary>
    public bool TryGet(string key, out IReadOnlyList<PSObject> results)
    {
        lock (_entries)
        {
            if (_entries.TryGetValue(key, out var entry) && entry.Expires > _clock.GetUtcNow())
            {
                results = entry.Results.Select(result => result.Copy()).ToArray();
                return true;
            }

            _entries.Remove(key);
        }

        results = Array.Empty<PSObject>();
        return false;
    }

    public void Add(string key, IEnumerable<PSObject> results)
    {
        var kept = results.Select(result => result.Copy()).ToArray();
        lock (_entries)
        {
            _entries[key] = new Entry(kept, _clock.GetUtcNow() + _timeToLive);
        }
    }

    /// <summary>
    /// A request to <paramref name="path"/> (such as <c>machines/abc/isolate</c>) may have changed its entity: drop every
    /// answer about that entity, itself and its relations; a path naming no entity (a batch update) drops everything.
    /// </summary>
    public void Invalidate(string path)
    {
        var segments = path.Split(new[] { '/' }, StringSplitOptions.RemoveEmptyEntries);
        var entity = segments.Length >= 2 ? "/" + segments[0] + "/" + segments[1] : null;
        var id = segments.Length >= 2 ? "/" + segments[1] + "/" : null;
        lock (_entries)
        {
            if (entity is null)
            {
                _entries.Clear();
                return;
            }

            foreach (var key in _entries.Keys.ToArray())
            {
                var keyPath = new Uri(key).AbsolutePath + "/";
                if (keyPath.IndexOf(entity, StringComparison.OrdinalIgnoreCase) >= 0 || keyPath.IndexOf(id!, StringComparison.OrdinalIgnoreCase) >= 0)
                {
                    _entries.Remove(key);
                }
            }
        }
    }

    public void Clear()
    {
        lock (_entries)
        {
            _entries.Clear();
        }
    }

    private sealed class Entry
    {
        public Entry(PSObject[] results, DateTimeOffset expires)
        {
            Results = results;
            Expires = expires;
        }

        public PSObject[] Results { get; }

        public DateTimeOffset Expires { get; }
    }
}
