using System;
using System.Collections.Generic;
using DefenderPS.Authentication;
using DefenderPS.Http;

namespace DefenderPS.Session;

/// <summary>
/// The service counts calls per application and tenant, so every session of one app in one tenant (and
/// cloud) takes its calls from one <see cref="RateLimiter"/>, wherever in the process it was connected.
/// A session whose tenant or app is unknown gets a budget of its own.
/// </summary>
internal static class SharedBudgets
{
    private static readonly Dictionary<string, WeakReference<RateLimiter>> Budgets = new(StringComparer.Ordinal);
    private static readonly object Gate = new();

    public static RateLimiter For(DefenderCloud cloud, string? tenantId, string? clientId, SessionLimits limits, TimeProvider clock)
    {
        if (string.IsNullOrEmpty(tenantId) || string.IsNullOrEmpty(clientId))
        {
            return new RateLimiter(limits.MaxCallsPerMinute, limits.MaxCallsPerHour, clock);
        }

        // The limits are part of the key: a session asking for other limits cannot share a budget with other caps.
        var key = string.Join("|", cloud, tenantId!.ToLowerInvariant(), clientId!.ToLowerInvariant(), limits.MaxCallsPerMinute, limits.MaxCallsPerHour);
        lock (Gate)
        {
            if (Budgets.TryGetValue(key, out var weak) && weak.TryGetTarget(out var shared) && ReferenceEquals(shared.Clock, clock))
            {
                return shared;
            }

            var limiter = new RateLimiter(limits.MaxCallsPerMinute, limits.MaxCallsPerHour, clock);
            Budgets[key] = new WeakReference<RateLimiter>(limiter);
            return limiter;
        }
    }
}
