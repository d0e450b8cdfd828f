using System;
using System.Collections.Generic;
using System.Linq;

namespace DefenderPS.Http;

/// <summary>How a session's calls are counted against the service's limits.</summary>
public enum BudgetScope
{
    /// <summary>One budget per API (method and route template), each with its documented limits, as the service counts.</summary>
    PerApi,

    /// <summary>One budget for every call, as DefenderPS did before per-API budgets.</summary>
    Shared,
}

/// <summary>A call budget's limits: calls per sliding minute and per sliding hour.</summary>
internal readonly struct CallLimits
{
    /// <summary>What the service allows on most APIs.</summary>
    public static readonly CallLimits Default = new(100, 1500);

    public CallLimits(int perMinute, int perHour)
    {
        PerMinute = perMinute;
        PerHour = perHour;
    }

    public int PerMinute { get; }

    public int PerHour { get; }
}

/// <summary>
/// A session's call budgets, one per API (<see cref="BudgetScope.PerApi"/>) or one for all (<see cref="BudgetScope.Shared"/>).
/// Each budget is shared with every other session of the same cloud, tenant and app in the process, because the service
/// counts calls per app and tenant; a 429 pauses only the budget whose call got it.
/// </summary>
internal sealed class CallBudgets
{
    /// <summary>The budget of requests to paths no route declares (Invoke-DefenderApiRequest): one, with the common limits.</summary>
    public const string UnknownApi = "other";

    private const string AllApis = "all";

    private readonly Func<string, CallLimits, RateLimiter> _sharedBudget;
    private readonly Func<IReadOnlyList<KeyValuePair<string, RateLimiter>>> _sharedInUse;
    private readonly CallLimits? _limitsOverride;
    private readonly Dictionary<string, RateLimiter> _inUse = new(StringComparer.Ordinal);

    /// <param name="sharedBudget">Finds the process-wide budget for an API name and its limits.</param>
    /// <param name="sharedInUse">Lists the process-wide budgets other sessions of the same app and tenant have used.</param>
    /// <param name="limitsOverride">-MaxCallsPerMinute/-MaxCallsPerHour: the limits of every budget instead of the documented ones.</param>
    public CallBudgets(
        BudgetScope scope,
        CallLimits? limitsOverride,
        Func<string, CallLimits, RateLimiter> sharedBudget,
        Func<IReadOnlyList<KeyValuePair<string, RateLimiter>>> sharedInUse)
    {
        Scope = scope;
        _limitsOverride = limitsOverride;
        _sharedBudget = sharedBudget;
        _sharedInUse = sharedInUse;
    }

    public BudgetScope Scope { get; }

    /// <summary>The limits a budget without documented ones gets (and every budget, when they were set at connect time).</summary>
    public CallLimits DefaultLimits => _limitsOverride ?? CallLimits.Default;

    /// <summary>The budget a call to <paramref name="api"/> (e.g. "GET alerts/{id}/user") takes its slot from.</summary>
    public RateLimiter For(string api, CallLimits documented)
    {
        var name = Scope == BudgetScope.Shared ? AllApis : api;
        lock (_inUse)
        {
            if (!_inUse.TryGetValue(name, out var budget))
            {
                var limits = _limitsOverride ?? (Scope == BudgetScope.Shared ? CallLimits.Default : documented);
                _inUse[name] = budget = _sharedBudget(name, limits);
            }

            return budget;
        }
    }

    /// <summary>
    /// The budgets in use by API name: this session's, and those of other sessions of the same app and tenant that this
    /// session would share (same scope and limits), since their calls count against it too.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, RateLimiter>> InUse
    {
        get
        {
            var found = new Dictionary<string, RateLimiter>(StringComparer.Ordinal);
            foreach (var shared in _sharedInUse())
            {
                var sameScope = (shared.Key == AllApis) == (Scope == BudgetScope.Shared);
                var sameLimits = _limitsOverride is not { } limits || (shared.Value.PerMinute == limits.PerMinute && shared.Value.PerHour == limits.PerHour);
                if (sameScope && sameLimits)
                {
                    found[shared.Key] = shared.Value;
                }
            }

            lock (_inUse)
            {
                foreach (var own in _inUse)
                {
                    found[own.Key] = own.Value;
                }
            }

            return found.OrderBy(b => b.Key, StringComparer.Ordinal).ToArray();
        }
    }
}
