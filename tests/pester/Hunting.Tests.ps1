#Requires -Version 7.2
# Advanced hunting as a script uses it: typed rows from the demo tenant, pivots into the relation cmdlets, and the
# demo's answer to a query it does not know. Mirrors HuntingTests.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $LogonsByDevice = 'DeviceLogonEvents | where Timestamp > ago(7d) | summarize LogonCount = count() by AccountName, DeviceName, DeviceId'
    $Processes = 'DeviceProcessEvents | where Timestamp > ago(7d) | where FileName =~ "powershell.exe" | project Timestamp, DeviceId, DeviceName, AccountName, ProcessCommandLine, InitiatingProcessFileName, ProcessId'
}

Describe 'Invoke-DefenderHuntingQuery in the demo tenant' {
    BeforeEach {
        Connect-Defender -Demo
    }

    It 'writes rows with the query''s columns and the schema''s types' {
        $rows = @(Invoke-DefenderHuntingQuery $Processes)

        $rows | Should -HaveCount 3
        $rows[0].PSObject.TypeNames[0] | Should -BeExactly 'DefenderPS.HuntingRow'
        $rows[0].PSObject.Properties.Name | Should -Be @('Timestamp', 'DeviceId', 'DeviceName', 'AccountName', 'ProcessCommandLine', 'InitiatingProcessFileName', 'ProcessId')
        $rows[0].Timestamp | Should -BeOfType [datetime]
        $rows[0].Timestamp.Kind | Should -Be ([System.DateTimeKind]::Utc)
        $rows[0].ProcessId | Should -BeOfType [long]
    }

    It 'pipes a row''s DeviceId into Get-DefenderMachineLogonUser and its AccountName into Get-DefenderUserAlert' {
        $row = Invoke-DefenderHuntingQuery $LogonsByDevice | Where-Object AccountName -eq 'alice' | Select-Object -First 1

        $users = @($row | Get-DefenderMachineLogonUser)
        $alerts = @($row | Get-DefenderUserAlert)

        $users.AccountName | Should -Contain 'alice'
        $users | ForEach-Object { $_.MachineId | Should -BeExactly $row.DeviceId }
        $alerts | Should -Not -BeNullOrEmpty
        $alerts | ForEach-Object { $_.UserName | Should -BeExactly 'alice' }
    }

    It 'answers a query it does not know with an error that lists the ones it does' {
        Invoke-DefenderHuntingQuery 'DeviceEvents | take 5' -ErrorVariable failure -ErrorAction SilentlyContinue

        $failure | Should -HaveCount 1
        $failure[0].FullyQualifiedErrorId | Should -BeExactly 'DefenderPS.BadRequest,DefenderPS.Commands.InvokeDefenderHuntingQueryCommand'
        $failure[0].ErrorDetails.Message | Should -BeLike '*DeviceLogonEvents | where Timestamp > ago(7d)*'
    }

    It 'refuses a -Timespan that is no time span before sending anything' {
        { Invoke-DefenderHuntingQuery $LogonsByDevice -Timespan 'a week' -ErrorAction Stop } |
            Should -Throw -ErrorId 'DefenderPS.InvalidTimespan,DefenderPS.Commands.InvokeDefenderHuntingQueryCommand'
    }
}
