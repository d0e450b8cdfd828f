using DefenderPS.Tests.Infrastructure;
using static DefenderPS.Tests.Infrastructure.Contoso;

namespace DefenderPS.Tests;

/// <summary>Given a fake that enforces its own budget of 5 calls a minute and 20 an hour.</summary>
public sealed class ServerRateLimitTests(ServerLimitFixture module) : IClassFixture<ServerLimitFixture>
{
    private ScriptResult Run(string script, string connectOptions = "") => module.RunConnectedInVirtualTime(script, connectOptions);

    [Fact]
    public void A_session_whose_budget_matches_the_service_is_never_throttled()
    {
        var throttledBefore = module.Api.ThrottledCount;

        var result = Run($"1..12 | ForEach-Object {{ '{A1}' }} | Get-DefenderAlertUser", "-MaxCallsPerMinute 5 -MaxCallsPerHour 20").AssertNoErrors();

        Assert.Equal(12, result.Output.Count);
        Assert.Equal(throttledBefore, module.Api.ThrottledCount);
    }

    [Fact]
    public void A_session_that_outruns_the_service_waits_out_each_429_and_loses_nothing()
    {
        var throttledBefore = module.Api.ThrottledCount;

        // Two commands: within one, the repeated ids would be answered without a call.
        var result = Run($"1..2 | ForEach-Object {{ '{A1}', '{A2}', '{A4}', '{A6}' | Get-DefenderAlertMachine }}; Get-DefenderSession", "").AssertNoErrors();

        Assert.Equal([M1, M2, M4, M1, M1, M2, M4, M1], result.Output.Take(8).Strs("Id"));
        Assert.True(module.Api.ThrottledCount > throttledBefore);
        Assert.Equal((long)(module.Api.ThrottledCount - throttledBefore), result.Output[^1].Prop("ThrottledCount"));
    }
}
