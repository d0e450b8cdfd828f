using DefenderPS.Http;
using Microsoft.Extensions.Time.Testing;

namespace DefenderPS.Engine.Tests.Http;

/// <summary>Which budget a call takes its slot from, per API or shared, and the limits each budget gets.</summary>
public sealed class CallBudgetsTests
{
    private readonly FakeTimeProvider _clock = new();
    private readonly List<(string Api, CallLimits Limits)> _made = [];

    private CallBudgets Budgets(BudgetScope scope, CallLimits? limits = null, IReadOnlyList<KeyValuePair<string, RateLimiter>>? others = null) =>
        new(scope, limits, (api, apiLimits) =>
        {
            _made.Add((api, apiLimits));
            return new RateLimiter(apiLimits.PerMinute, apiLimits.PerHour, _clock);
        }, () => others ?? []);

    [Fact]
    public void Per_API_each_API_gets_its_own_budget_with_its_documented_limits_once()
    {
        var budgets = Budgets(BudgetScope.PerApi);

        var users = budgets.For("GET alerts/{id}/user", new CallLimits(100, 1500));
        var hunting = budgets.For("POST security/runHuntingQuery", new CallLimits(45, 1500));

        Assert.NotSame(users, hunting);
        Assert.Same(users, budgets.For("GET alerts/{id}/user", new CallLimits(100, 1500)));
        Assert.Equal(45, hunting.PerMinute);
        Assert.Equal(2, _made.Count);
        Assert.Equal(["GET alerts/{id}/user", "POST security/runHuntingQuery"], budgets.InUse.Select(b => b.Key));
    }

    [Fact]
    public void Limits_given_at_connect_time_replace_every_APIs_documented_limits()
    {
        var budgets = Budgets(BudgetScope.PerApi, new CallLimits(5, 20));

        var hunting = budgets.For("POST security/runHuntingQuery", new CallLimits(45, 1500));

        Assert.Equal(5, hunting.PerMinute);
        Assert.Equal(20, hunting.PerHour);
        Assert.Equal(5, budgets.DefaultLimits.PerMinute);
    }

    [Fact]
    public void Shared_every_API_takes_its_slot_from_one_budget()
    {
        var budgets = Budgets(BudgetScope.Shared);

        var users = budgets.For("GET alerts/{id}/user", new CallLimits(100, 1500));
        var machines = budgets.For("GET alerts/{id}/machine", new CallLimits(100, 1500));

        Assert.Same(users, machines);
        Assert.Equal("all", Assert.Single(budgets.InUse).Key);
    }

    [Fact]
    public void Budgets_other_sessions_of_the_app_use_count_as_in_use_when_this_session_would_share_them()
    {
        var theirs = new RateLimiter(100, 1500, _clock);
        var otherLimits = new RateLimiter(7, 70, _clock);
        var shared = new RateLimiter(100, 1500, _clock);
        var budgets = Budgets(BudgetScope.PerApi, others: [new("GET users/{id}/alerts", theirs), new("all", shared)]);

        Assert.Equal(["GET users/{id}/alerts"], budgets.InUse.Select(b => b.Key));

        var capped = Budgets(BudgetScope.PerApi, new CallLimits(100, 1500), [new("GET users/{id}/alerts", otherLimits)]);
        Assert.Empty(capped.InUse);
    }
}
