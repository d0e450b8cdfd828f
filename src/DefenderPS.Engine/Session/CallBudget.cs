using System;
using DefenderPS.Http;

namespace DefenderPS.Session;

/// <summary>One call budget as Get-DefenderSession shows it: the API it counts, its limits, the calls left and the waits so far.</summary>
public sealed class CallBudget
{
    private readonly RateLimiter _budget;

    internal CallBudget(string api, RateLimiter budget)
    {
        Api = api;
        _budget = budget;
    }

    /// <summary>The API, e.g. "GET alerts/{id}/user"; "all" with -BudgetScope Shared.</summary>
    public string Api { get; }

    public int MaxCallsPerMinute => _budget.PerMinute;

    public int MaxCallsPerHour => _budget.PerHour;

    public int CallsLeftThisMinute => _budget.LeftThisMinute;

    public int CallsLeftThisHour => _budget.LeftThisHour;

    /// <summary>How often a call waited for this budget (its limits, or a pause after a 429).</summary>
    public long Waits => _budget.Waits;

    public TimeSpan WaitTime => _budget.WaitTime;

    public override string ToString() => $"{Api}: {CallsLeftThisMinute}/{MaxCallsPerMinute} a minute, {CallsLeftThisHour}/{MaxCallsPerHour} an hour left";
}
