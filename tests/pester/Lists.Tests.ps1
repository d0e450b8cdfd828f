#Requires -Version 7.2
# Starting points as a script uses them, in the demo tenant: lists with filters, pipes from lists into the relation
# cmdlets, the escape hatch with -WhatIf, and one call per distinct id. Mirrors ListCmdletTests and InvokeApiRequestTests.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
}

Describe 'Get-DefenderAlert and Get-DefenderMachine in the demo tenant' {
    BeforeEach {
        Connect-Defender -Demo
    }

    It 'lists only the alerts the filters ask for' {
        $high = @(Get-DefenderAlert -Severity High)

        $high | Should -Not -BeNullOrEmpty
        $high | ForEach-Object { $_.Severity | Should -Be 'High' }
        $high[0].PSObject.TypeNames[0] | Should -BeExactly 'DefenderPS.Alert'
        @(Get-DefenderAlert -Severity High -Top 2) | Should -HaveCount 2
    }

    It 'pipes high-risk machines into Get-DefenderMachineLogonUser' {
        $machines = @(Get-DefenderMachine -RiskScore High)
        $users = @($machines | Get-DefenderMachineLogonUser)

        $machines | Should -Not -BeNullOrEmpty
        $users | Should -Not -BeNullOrEmpty
        $users | ForEach-Object { $_.MachineId | Should -BeIn $machines.Id }
    }

    It 'gets an alert''s machine when the alert is piped into Get-DefenderMachine' {
        $alert = Get-DefenderAlert -Severity High -Top 1

        $machine = $alert | Get-DefenderMachine

        $machine.Id | Should -BeExactly $alert.MachineId
    }

    It 'fetches a repeated id once in a pipeline and still writes one result per input' {
        $before = (Get-DefenderSession).RequestCount
        $alert = Get-DefenderAlert -Severity High -Top 1
        $afterList = (Get-DefenderSession).RequestCount

        $users = @($alert.Id, $alert.Id, $alert.Id | Get-DefenderAlertUser)

        $users | Should -HaveCount 3
        ((Get-DefenderSession).RequestCount - $afterList) | Should -Be 1
        $afterList - $before | Should -Be 1
    }
}

Describe 'Invoke-DefenderApiRequest in the demo tenant' {
    BeforeEach {
        Connect-Defender -Demo
    }

    It 'types a known entity set and sends nothing with -WhatIf' {
        $alerts = @(Invoke-DefenderApiRequest 'alerts?$top=3')
        $before = (Get-DefenderSession).RequestCount

        Invoke-DefenderApiRequest -Method Post -Path 'machines/x/isolate' -Body @{ Comment = 'IR-1'; IsolationType = 'Full' } -WhatIf

        $alerts | Should -HaveCount 3
        $alerts[0].PSObject.TypeNames[0] | Should -BeExactly 'DefenderPS.Alert'
        (Get-DefenderSession).RequestCount | Should -Be $before
    }

    It 'refuses a path on another host before sending anything' {
        { Invoke-DefenderApiRequest 'https://evil.example/api/alerts' -ErrorAction Stop } |
            Should -Throw -ErrorId 'DefenderPS.InvalidRequest,DefenderPS.Commands.InvokeDefenderApiRequestCommand'
    }
}
