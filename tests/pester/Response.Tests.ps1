#Requires -Version 7.2
# Response actions as a script and a runbook use them: -WhatIf sends nothing, -Confirm:$false sends one request per
# machine, a runbook without -Confirm:$false is refused rather than left hanging on a prompt, waits end in the final
# status (or an error carrying the action), and a pending action is named. Mirrors ResponseActionTests.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Start-FakeApi

    function Set-FakeActionSchedule {
        param([hashtable] $Schedule)
        $fake = Get-FakeApiInfo
        $null = Invoke-RestMethod -Method Post -Uri "$($fake.Url)_fake/actions" -ContentType 'application/json' -Body ($Schedule | ConvertTo-Json -Compress) -NoProxy
    }

    function Get-FakeBody {
        $fake = Get-FakeApiInfo
        @(Invoke-RestMethod -Method Get -Uri "$($fake.Url)_fake/requests" -NoProxy | Where-Object { $_.method -ne 'GET' })
    }
}

AfterAll {
    Stop-FakeApi
}

Describe 'Response actions against the fake' {
    BeforeEach {
        Set-FakeActionSchedule @{ pendingSeconds = 0; runningSeconds = 1; outcome = 'Succeeded'; machines = @{ $M3 = $null } }
        Connect-FakeApi
        Clear-FakeRequest
    }

    It 'sends nothing with -WhatIf, even for a pipeline of machines' {
        Get-DefenderMachine $M1, $M2 | Start-DefenderMachineIsolation -Comment 'IR-1234' -WhatIf

        Get-FakeBody | Should -BeNullOrEmpty
    }

    It 'sends exactly one request per machine with -Confirm:$false, however often a machine comes in' {
        $actions = @($M1, $M2, $M1 | Start-DefenderAntivirusScan -Comment 'sweep' -ScanType Full -Confirm:$false)

        $sent = Get-FakeBody
        $sent | Should -HaveCount 2
        $sent | ForEach-Object { $_.body | Should -BeExactly '{"Comment":"sweep","ScanType":"Full"}' }
        $actions.MachineId | Should -Be @($M1, $M2)
        $actions | ForEach-Object { $_.PSObject.TypeNames[0] | Should -BeExactly 'DefenderPS.MachineAction' }
    }

    It 'waits for the final status and reports a failed action as an error that carries it' {
        Set-FakeActionSchedule @{ machines = @{ $M3 = 'Failed' } }

        $done = @($M2, $M3 | Start-DefenderInvestigationPackage -Comment 'IR-7' -Wait -Confirm:$false -ErrorVariable failed -ErrorAction SilentlyContinue)

        $done.MachineId | Should -Be @($M2)
        [string] $done[0].Status | Should -BeExactly 'Succeeded'
        $failed | Should -HaveCount 1
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'DefenderPS.ActionFailed,*'
        $failed[0].TargetObject.MachineId | Should -Be $M3
    }

    It 'names the pending action when one of the same type is already running' {
        Set-FakeActionSchedule @{ pendingSeconds = 600 }
        $first = Start-DefenderMachineIsolation $M4 -Comment 'IR-1' -Confirm:$false

        { Start-DefenderMachineIsolation $M4 -Comment 'IR-2' -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'DefenderPS.ActionAlreadyPending,DefenderPS.Commands.StartDefenderMachineIsolationCommand'
        $err = $null
        Start-DefenderMachineIsolation $M4 -Comment 'IR-2' -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].Exception.PendingActionId | Should -Be $first.Id

        $first | Stop-DefenderMachineAction -Comment 'test over' -Confirm:$false | ForEach-Object { [string] $_.Status } | Should -Be 'Cancelled'
    }
}

Describe 'A runbook (pwsh -NonInteractive)' {
    It 'refuses a high-impact action without -Confirm:$false instead of waiting at a prompt, and sends nothing' {
        $fake = Get-FakeApiInfo
        Clear-FakeRequest
        $script = "Import-Module '$ModuleManifest'; Connect-Defender -AccessToken '$($fake.Token)' -ApiUri '$($fake.Url)' | Out-Null; " +
            "Start-DefenderMachineIsolation $M1 -Comment 'IR-1'; 'exit'"
        $pwsh = Join-Path $PSHOME 'pwsh.dll'

        $output = & dotnet $pwsh -NoProfile -NonInteractive -Command $script 2>&1 | Out-String

        $output | Should -Match 'NonInteractive'
        Get-FakeBody | Should -BeNullOrEmpty
    }
}

Describe 'Response actions in the demo tenant' {
    BeforeEach {
        Connect-Defender -Demo
    }

    It 'scans the high-risk machines and waits until every scan succeeded' {
        $machines = @(Get-DefenderMachine -RiskScore High)

        $scans = @($machines | Start-DefenderAntivirusScan -Comment test -Wait)

        $scans | Should -HaveCount $machines.Count
        $scans | ForEach-Object { [string] $_.Status | Should -BeExactly 'Succeeded' }
    }

    It 'resolves an alert with a classification and keeps the comment' {
        $alert = Get-DefenderAlert -Status New -Top 1

        $updated = $alert | Update-DefenderAlert -Status Resolved -Classification FalsePositive -Determination Clean -Comment 'benign test'

        [string] $updated.Status | Should -BeExactly 'Resolved'
        $updated.Comments.Comment | Should -Contain 'benign test'
        [string] (Get-DefenderAlert $alert.Id).Status | Should -BeExactly 'Resolved'
    }
}
