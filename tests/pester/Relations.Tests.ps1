#Requires -Version 7.2
# What a user gets from each relation cmdlet and from chaining them, against the recorded contoso tenant
# (tests/recordings/README.md) and the built-in demo tenant. Mirrors RelationCmdletTests and DemoTenantTests.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Start-FakeApi
}

AfterAll {
    Stop-FakeApi
}

Describe 'Each cmdlet against the contoso tenant' {
    BeforeEach {
        Connect-FakeApi
        Clear-FakeRequest
    }

    It 'Get-DefenderAlertUser writes one DefenderPS.User that says which alert it came from' {
        $users = @(Get-DefenderAlertUser -AlertId $A1)

        $users | Should -HaveCount 1
        $user = $users[0]
        $user.PSObject.TypeNames[0] | Should -BeExactly 'DefenderPS.User'
        $user.Id | Should -BeExactly 'contoso\user1'
        $user.AccountName | Should -BeExactly 'user1'
        $user.AlertId | Should -BeExactly $A1
        $user.LogOnMachinesCount | Should -Be 3
        $user.IsDomainAdmin | Should -BeOfType [bool]
        $user.IsDomainAdmin | Should -BeFalse
        $user.LastSeen | Should -BeOfType [datetime]
        $user.LastSeen.Kind | Should -Be ([System.DateTimeKind]::Utc)
        $user.LastSeen | Should -Be ([datetime]::new(2023, 11, 20, 8, 2, 51, [System.DateTimeKind]::Utc))
        @($user.PSObject.Properties.Name | Where-Object { $_.StartsWith('@') -or $_.Contains('odata') }) | Should -HaveCount 0

        $requests = @(Get-FakeRequest)
        $requests | Should -HaveCount 1
        $requests[0].RawTarget | Should -BeExactly "/api/alerts/$A1/user"
    }

    It 'Get-DefenderAlertMachine keeps nested objects, nulls and fields the docs do not list' {
        $machines = @(Get-DefenderAlertMachine -AlertId $A2)

        $machines | Should -HaveCount 1
        $machine = $machines[0]
        $machine.PSObject.TypeNames[0] | Should -BeExactly 'DefenderPS.Machine'
        $machine.Id | Should -BeExactly $M2
        $machine.AlertId | Should -BeExactly $A2
        $machine.ComputerDnsName | Should -BeExactly 'srv-fs01.contoso.com'
        $machine.OsBuild | Should -Be 20348
        $machine.RbacGroupId | Should -Be 1745
        $machine.PSObject.Properties.Name | Should -Contain 'OsVersion'
        $machine.OsVersion | Should -BeNullOrEmpty
        ($machine.MachineTags -join ',') | Should -BeExactly 'Tier0,FileServer'
        @($machine.IpAddresses) | Should -HaveCount 3
        $machine.VmMetadata.VmId | Should -BeExactly '9f3e1b7a-4c2d-4e8f-a0b6-71d5c3e92f48'
        $machine.PSObject.Properties.Name | Should -Contain 'DefenderAvStatus'
        $machine.PSObject.Properties.Name | Should -Contain 'IsPotentialDuplication'
    }

    It 'Get-DefenderUserAlert writes DefenderPS.Alerts with the user they were fetched for' {
        $alerts = @(Get-DefenderUserAlert -UserName svc-backup)

        $alerts | Should -HaveCount 1
        $alerts[0].PSObject.TypeNames[0] | Should -BeExactly 'DefenderPS.Alert'
        $alerts[0].Id | Should -BeExactly $A5WithExtraProperty
        $alerts[0].UserName | Should -BeExactly 'svc-backup'
        $alerts[0].DetectionCategory | Should -BeExactly 'SuspiciousActivity'
        $alerts[0].AlertCreationTime | Should -BeOfType [datetime]
        $alerts[0].RelatedUser.DomainName | Should -BeExactly 'CONTOSO'
    }

    It 'Get-DefenderUserMachine writes each of the user''s machines' {
        $machines = @(Get-DefenderUserMachine -UserName user1)

        ($machines.Id -join ',') | Should -BeExactly "$M1,$M2,$M4"
        ($machines.ComputerDnsName -join ',') | Should -BeExactly 'ws-0142.contoso.com,srv-fs01.contoso.com,mbp-user1'
        @($machines | Where-Object { $_.UserName -cne 'user1' }) | Should -HaveCount 0
        @($machines | Where-Object { $_.PSObject.TypeNames[0] -cne 'DefenderPS.Machine' }) | Should -HaveCount 0
    }

    It 'Get-DefenderMachineLogonUser follows every page' {
        $users = @(Get-DefenderMachineLogonUser -MachineId $M2)

        ($users.AccountName -join ',') | Should -BeExactly 'user2,svc-backup,user1'
        @($users | Where-Object { $_.MachineId -cne $M2 }) | Should -HaveCount 0
        (@(Get-FakeRequest).RawTarget -join ' ') |
            Should -BeExactly "/api/machines/$M2/logonusers /api/machines/$M2/logonusers?`$skiptoken=page2"
    }

    It 'Get-DefenderUserAlert writes nothing for a user with no alerts and says so verbosely' {
        $all = @(Get-DefenderUserAlert -UserName nobody -Verbose 4>&1)

        @($all | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }) | Should -HaveCount 0
        @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message.Contains("No alerts were found for user 'nobody'") }) |
            Should -HaveCount 1
    }

    It 'Connect-Defender, Get-DefenderSession and Disconnect-Defender manage the default session' {
        $fake = Get-FakeApiInfo
        $session = Connect-FakeApi -Option @{ PassThru = $true }

        $session.AuthenticationKind.ToString() | Should -BeExactly 'AccessToken'
        $session.ApiUri.ToString() | Should -BeExactly $fake.Url
        $session.IsConnected | Should -BeTrue

        $null = Get-DefenderAlertUser -AlertId $A1
        $current = Get-DefenderSession
        $current.Id | Should -Be $session.Id
        $current.RequestCount | Should -Be 1
        $current.MaxCallsPerMinute | Should -Be 100
        $current.MaxCallsPerHour | Should -Be 1500
        $current.CallsLeftThisMinute | Should -Be 99

        Disconnect-Defender
        @(Get-DefenderSession) | Should -HaveCount 0
        $session.IsConnected | Should -BeFalse
    }
}

Describe 'Chaining the cmdlets' {
    BeforeEach {
        Connect-FakeApi
        Clear-FakeRequest
    }

    It 'runs the triage pipeline: alerts, their machines, who logged on there and where else they log on' {
        $machines = @(Get-DefenderUserAlert user1 | Get-DefenderAlertMachine | Get-DefenderMachineLogonUser | Get-DefenderUserMachine)

        # user1's alerts are on M1 and M4; M1's logons are user1 and user2, M4's is user1; each has 3 machines.
        $machines | Should -HaveCount 9
        @($machines | Where-Object { $_.PSObject.TypeNames[0] -cne 'DefenderPS.Machine' }) | Should -HaveCount 0
        ($machines.UserName -join ',') | Should -BeExactly 'user1,user1,user1,user2,user2,user2,user1,user1,user1'
        $targets = @(Get-FakeRequest).RawTarget
        $targets | Should -Contain "/api/alerts/$A1/machine"
        $targets | Should -Contain "/api/machines/$M1/logonusers"
        $targets | Should -Contain '/api/users/user2/machines'
    }

    It 'uses the alert''s MachineId, not its Id, when alerts are piped to Get-DefenderMachineLogonUser' {
        $users = @(Get-DefenderUserAlert user1 | Get-DefenderMachineLogonUser)

        ($users.MachineId -join ',') | Should -BeExactly "$M1,$M1,$M4"
        @(Get-FakeRequest | Where-Object { $_.RawTarget.Contains($A1) -and $_.RawTarget.Contains('machines') }) | Should -HaveCount 0
    }

    It 'binds machines, users and alerts by Id and AccountName' {
        $logons = @(Get-DefenderUserMachine svc-backup | Get-DefenderMachineLogonUser)
        ($logons.MachineId -join ',') | Should -BeExactly "$M2,$M2,$M2,$M3,$M3"

        $alerts = @(Get-DefenderMachineLogonUser $M3 | Get-DefenderUserAlert)
        ($alerts.Id -join ',') | Should -BeExactly "$A2,$A6,$A5WithExtraProperty"

        $alertUsers = @(Get-DefenderUserAlert user2 | Get-DefenderAlertUser)
        ($alertUsers.AlertId -join ',') | Should -BeExactly "$A2,$A6"

        $userMachines = @(Get-DefenderAlertUser $A4 | Get-DefenderUserMachine)
        ($userMachines.Id -join ',') | Should -BeExactly "$M1,$M2,$M4"
    }

    It 'binds ids from the pipeline by value and from arrays' {
        $byValue = @($A1, $A2 | Get-DefenderAlertUser)
        $byArray = @(Get-DefenderAlertUser -AlertId $A1, $A2)

        ($byValue.AccountName -join ',') | Should -BeExactly 'user1,user2'
        ($byArray.AccountName -join ',') | Should -BeExactly 'user1,user2'
    }

    It 'keeps input order with -ThrottleLimit' {
        $machines = @($A1, $A2, $A4, $A5WithExtraProperty, $A6 | Get-DefenderAlertMachine -ThrottleLimit 4)

        ($machines.AlertId -join ',') | Should -BeExactly "$A1,$A2,$A4,$A5WithExtraProperty,$A6"
        ($machines.Id -join ',') | Should -BeExactly "$M1,$M2,$M4,$M2,$M1"
    }
}

Describe 'User names in any form' {
    BeforeEach {
        Connect-FakeApi
        Clear-FakeRequest
    }

    It 'sends the bare account name for <Name>' -ForEach @(
        @{ Name = 'user1@contoso.com' }
        @{ Name = 'contoso\user1' }
        @{ Name = 'user1' }
    ) {
        $all = @(Get-DefenderUserAlert -UserName $Name -Verbose 4>&1)
        $alerts = @($all | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
        $verbose = @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object { $_.Message })

        $alerts | Should -HaveCount 2
        ($alerts.UserName -join ',') | Should -BeExactly 'user1,user1'
        (@(Get-FakeRequest).RawTarget -join ' ') | Should -BeExactly '/api/users/user1/alerts'
        $saysSo = @($verbose | Where-Object { $_.Contains("'user1' for '$Name'") }).Count -gt 0
        $saysSo | Should -Be ($Name -cne 'user1')
    }
}

Describe 'The built-in demo tenant' {
    BeforeEach {
        Connect-Defender -Demo
    }

    It 'needs no credentials and becomes the default session' {
        $session = Get-DefenderSession

        $session.AuthenticationKind.ToString() | Should -BeExactly 'Demo'
        $session.ApiUri.ToString() | Should -BeExactly 'https://demo.defenderps.invalid/'
        @(Get-DefenderUserAlert alice) | Should -HaveCount 3
    }

    It 'answers <Pipeline> with <TypeName> objects' -ForEach @(
        @{ Pipeline = 'Get-DefenderUserAlert svc-sql'; TypeName = 'DefenderPS.Alert' }
        @{ Pipeline = 'Get-DefenderUserMachine carol'; TypeName = 'DefenderPS.Machine' }
        @{ Pipeline = 'Get-DefenderUserAlert alice | Get-DefenderAlertMachine'; TypeName = 'DefenderPS.Machine' }
        @{ Pipeline = 'Get-DefenderUserAlert bob | Get-DefenderAlertUser'; TypeName = 'DefenderPS.User' }
        @{ Pipeline = 'Get-DefenderUserMachine bob | Get-DefenderMachineLogonUser'; TypeName = 'DefenderPS.User' }
    ) {
        $all = @(& ([scriptblock]::Create($Pipeline)) 2>&1)
        $failures = @($all | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $out = @($all | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] })

        $failures | Should -HaveCount 0 -Because "$failures"
        $out.Count | Should -BeGreaterThan 0
        @($out | Where-Object { $_.PSObject.TypeNames[0] -cne $TypeName }) | Should -HaveCount 0
    }

    It 'runs the triage pipeline from an alert to who logged on where' {
        $alert = @(Get-DefenderUserAlert alice)[0]
        $user = @($alert | Get-DefenderAlertUser)
        $machines = @($user | Get-DefenderUserMachine)
        $logons = @($machines | Get-DefenderMachineLogonUser)

        $user | Should -HaveCount 1
        $user[0].AccountName | Should -BeExactly 'alice'
        $user[0].AlertId | Should -BeExactly $alert.Id
        $machines | Should -HaveCount 2
        @($machines | Where-Object { $_.UserName -cne 'alice' }) | Should -HaveCount 0
        $logons.Count | Should -BeGreaterThan 0
        (@($logons.MachineId | Sort-Object -Unique) -join ',') | Should -BeExactly (@($machines.Id | Sort-Object -Unique) -join ',')
    }

    It 'reports an unknown demo alert as DefenderPS.NotFound, as a real tenant does' {
        $users = @(Get-DefenderAlertUser da000000000000000000_unknown -ErrorVariable failures -ErrorAction SilentlyContinue)

        $users | Should -HaveCount 0
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeExactly 'DefenderPS.NotFound,DefenderPS.Commands.GetDefenderAlertUserCommand'
    }
}
