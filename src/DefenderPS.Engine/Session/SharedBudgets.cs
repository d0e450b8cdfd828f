using System;
using System.Collections.Generic;
using DefenderPS.Authentication;
using DefenderPS.Http;

namespace DefenderPS.Session;

/// <summary>
/// The service counts calls per application, tenant and API, so every session of one app in one tenant (and
/// cloud) takes its calls to one API from one <see cref="RateLimiter"/>, wherever in the process it was connected.
/// A session whose tenant or app is unknown gets a budget of its own.
/// </summary>
internal static class SharedBudgets
{
    private static readonly Dictionary<string, WeakReference<RateLimiter>> Budgets = new(StringComparer.Ordinal);
    private static readonly object Gate = new();

    /// <param name="api">The API the budget counts (a route such as "GET alerts/{id}/user", or one name for all APIs).</param>
    public static RateLimiter For(DefenderCloud cloud, string? tenantId, string? clientId, string api, CallLimits limits, TimeProvider clock)
    {
        if (string.IsNullOrEmpty(tenantId) || string.IsNullOrEmpty(clientId))
        {
            return new RateLimiter(limits.PerMinute, limits.PerHour, clock);
        }

        // The limits are part of the key: a session asking for other limits cannot share a budget with other caps.
        var key = string.Join("|", cloud, tenantId!.ToLowerInvariant(), clientId!.ToLowerInvariant(), api, limits.PerMinute, limits.PerHour);
        lock (Gate)
        {
            if (Budgets.TryGetValue(key, out var weak) && weak.TryGetTarget(out var shared) && ReferenceEquals(shared.Clock, clock))
            {
                return shared;
            }

            var limiter = new RateLimiter(limits.PerMinute, limits.PerHour, clock);
            Budgets[key] = new WeakReference<RateLimiter>(limiter);
            return limiter;
        }
    }

    /// <summary>The budgets any session of this app in this tenant has used so far, by API.</summary>
    public static IReadOnlyList<KeyValuePair<string, RateLimiter>> InUse(DefenderCloud cloud, string? tenantId, string? clientId)
    {
        if (string.IsNullOrEmpty(tenantId) || string.IsNullOrEmpty(clientId))
        {
            return new KeyValuePair<string, RateLimiter>[0];
        }

        var prefix = string.Join("|", cloud, tenantId!.ToLowerInvariant(), clientId!.ToLowerInvariant()) + "|";
        var found = new List<KeyValuePair<string, RateLimiter>>();
        lock (Gate)
        {
            foreach (var entry in Budgets)
            {
                if (entry.Key.StartsWith(prefix, StringComparison.Ordinal) && entry.Value.TryGetTarget(out var budget))
                {
                    var api = entry.Key.Substring(prefix.Length);
                    found.Add(new KeyValuePair<string, RateLimiter>(api.Substring(0, api.IndexOf('|')), budget));
                }
            }
        }

        return found;
    }
}
