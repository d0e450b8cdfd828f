using DefenderPS.Tests.Infrastructure;
using static DefenderPS.Tests.Infrastructure.Contoso;

namespace DefenderPS.Tests;

/// <summary>
/// Advanced hunting rows (DefenderPS.HuntingRow objects with the columns the query returned) pipe into the relation
/// cmdlets: DeviceId binds to -MachineId, AccountName to -UserName.
/// </summary>
public sealed class HuntingRowPipelineTests(ModuleFixture module) : IClassFixture<ModuleFixture>
{
    // Two rows as the fake's ContosoHunting.LogonsByAccountAndDevice query returns them.
    private const string Rows = $$"""
        $rows = @(
            [pscustomobject]@{ PSTypeName = 'DefenderPS.HuntingRow'; AccountName = 'user1'; DeviceName = 'ws-0142.contoso.com'; DeviceId = '{{M1}}'; LogonCount = [long]14 }
            [pscustomobject]@{ PSTypeName = 'DefenderPS.HuntingRow'; AccountName = 'svc-backup'; DeviceName = 'lnx-app01'; DeviceId = '{{M3}}'; LogonCount = [long]48 }
        )
        """;

    [Fact]
    public void A_rows_DeviceId_binds_to_MachineId()
    {
        module.Api.ClearRequests();
        var result = module.Run($"{module.Connect}\n{Rows}\n$rows | Get-DefenderMachineLogonUser").AssertNoErrors();

        Assert.Equal([M1, M1, M3, M3], result.Output.Select(user => user.Str("MachineId")));
        Assert.Equal([$"/api/machines/{M1}/logonusers", $"/api/machines/{M3}/logonusers"], module.Api.Requests.Select(r => r.RawTarget));
    }

    [Fact]
    public void A_rows_AccountName_binds_to_UserName()
    {
        var result = module.Run($"{module.Connect}\n{Rows}\n$rows | Get-DefenderUserAlert").AssertNoErrors();

        Assert.Equal([A1, A4, A5WithExtraProperty], result.Output.Select(alert => alert.Str("Id")));
    }

    [Fact]
    public void An_Id_property_still_wins_over_DeviceId()
    {
        module.Api.ClearRequests();
        module.Run($"{module.Connect}\n[pscustomobject]@{{ Id = '{M2}'; DeviceId = '{M1}' }} | Get-DefenderMachineLogonUser").AssertNoErrors();

        Assert.All(module.Api.Requests, r => Assert.StartsWith($"/api/machines/{M2}/logonusers", r.RawTarget, StringComparison.Ordinal));
    }
}
