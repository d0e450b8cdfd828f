using DefenderPS.Tests.Infrastructure;
using static DefenderPS.Tests.Infrastructure.Contoso;

namespace DefenderPS.Tests;

/// <summary>
/// Given a session connected with -CacheTtl, a lookup already answered is not spent again in a later command, until the
/// time is up, Clear-DefenderCache, or a change through the session; without -CacheTtl nothing is kept.
/// </summary>
public sealed class CacheTests(VirtualTimeFixture module) : IClassFixture<VirtualTimeFixture>
{
    private ScriptResult Run(string script, string connectOptions = "") => module.RunConnectedInVirtualTime(script, connectOptions);

    private int RequestsTo(string path) => module.Api.Requests.Count(r => r.DecodedPath == path);

    [Fact]
    public void Without_CacheTtl_every_command_asks_the_API()
    {
        var result = Run($"Get-DefenderAlertUser {A1} | Out-Null; Get-DefenderAlertUser {A1} | Out-Null; Get-DefenderSession", "").AssertNoErrors();

        Assert.Equal(2, RequestsTo($"/api/alerts/{A1}/user"));
        Assert.Equal(0L, result.Output.Single().Prop("CacheHits"));
        Assert.Null(result.Output.Single().Prop("CacheTtl"));
    }

    [Fact]
    public void With_CacheTtl_a_later_command_is_answered_from_the_cache_with_equal_objects()
    {
        var result = Run($"""
            Get-DefenderAlertUser {A1}
            Get-DefenderAlertUser {A1}
            (Get-DefenderSession).CacheHits
            """, "-CacheTtl ([TimeSpan]::FromMinutes(15))").AssertNoErrors();

        Assert.Equal(1, RequestsTo($"/api/alerts/{A1}/user"));
        Assert.Equal(result.Output[0].Str("Id"), result.Output[1].Str("Id"));
        Assert.Equal(A1, result.Output[1].Str("AlertId"));
        Assert.Equal("DefenderPS.User", result.Output[1].TypeNames[0]);
        Assert.Equal("1", result.Output[2].ToString());
    }

    [Fact]
    public void A_cached_answer_expires_after_its_time()
    {
        Run($"Get-DefenderAlertUser {A1} | Out-Null; $global:cachedSession = Get-DefenderSession", "-CacheTtl ([TimeSpan]::FromMinutes(15))").AssertNoErrors();
        module.Clock.Advance(TimeSpan.FromMinutes(16));

        module.RunInVirtualTime($"Get-DefenderAlertUser {A1} -Session $global:cachedSession | Out-Null").AssertNoErrors();

        Assert.Equal(2, RequestsTo($"/api/alerts/{A1}/user"));
    }

    [Fact]
    public void Clear_DefenderCache_forgets_everything()
    {
        Run($"Get-DefenderAlertUser {A1} | Out-Null; Clear-DefenderCache; Get-DefenderAlertUser {A1} | Out-Null", "-CacheTtl ([TimeSpan]::FromMinutes(15))").AssertNoErrors();

        Assert.Equal(2, RequestsTo($"/api/alerts/{A1}/user"));
    }

    [Fact]
    public void A_change_through_the_session_drops_what_it_may_have_changed_and_keeps_the_rest()
    {
        Run($$"""
            Get-DefenderAlertUser {{A1}} | Out-Null
            Get-DefenderAlertUser {{A2}} | Out-Null
            Invoke-DefenderApiRequest -Method Patch -Path alerts/{{A1}} -Body @{ status = 'Resolved' } -Confirm:$false -ErrorAction SilentlyContinue | Out-Null
            Get-DefenderAlertUser {{A1}} | Out-Null
            Get-DefenderAlertUser {{A2}} | Out-Null
            """, "-CacheTtl ([TimeSpan]::FromMinutes(15))");

        Assert.Equal(2, RequestsTo($"/api/alerts/{A1}/user"));
        Assert.Equal(1, RequestsTo($"/api/alerts/{A2}/user"));
    }

    [Fact]
    public void A_CacheTtl_of_zero_is_refused()
    {
        var result = module.Run($"{module.Connect} -CacheTtl ([TimeSpan]::Zero)");

        Assert.Equal("DefenderPS.InvalidCacheTtl,DefenderPS.Commands.ConnectDefenderCommand", (result.Terminating?.ErrorRecord ?? Assert.Single(result.Errors)).FullyQualifiedErrorId);
    }
}
