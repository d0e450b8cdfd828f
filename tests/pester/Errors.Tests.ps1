#Requires -Version 7.2
# The PowerShell errors a user gets from recorded error answers, bad ids and a missing session, and the
# secret-hygiene rule. Mirrors ErrorTests, InputValidationTests and SessionTests.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Start-FakeApi
}

AfterAll {
    Stop-FakeApi
}

Describe 'Errors from the service' {
    BeforeEach {
        Connect-FakeApi
        Clear-FakeRequest
    }

    It 'makes a 404 a non-terminating ObjectNotFound error naming the id, and the next input still runs' {
        $users = @(Get-DefenderAlertUser -AlertId $A3WithoutUser, $A1 -ErrorVariable failures -ErrorAction SilentlyContinue)

        $users | Should -HaveCount 1
        $users[0].AccountName | Should -BeExactly 'user1'
        $failures | Should -HaveCount 1
        $failure = $failures[0]
        $failure.FullyQualifiedErrorId | Should -BeExactly 'DefenderPS.NotFound,DefenderPS.Commands.GetDefenderAlertUserCommand'
        $failure.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ObjectNotFound)
        $failure.TargetObject | Should -BeExactly $A3WithoutUser
        $failure.ErrorDetails.Message | Should -BeLike "*No user was found for alert '$A3WithoutUser'*"
        $failure.ErrorDetails.Message | Should -BeLike '*There is no User related to alert*'
        $failure.Exception.StatusCode | Should -Be 404
        $failure.Exception.ErrorCode | Should -BeExactly 'ResourceNotFound'
        $failure.Exception.CorrelationTarget | Should -BeExactly '|f712eef2-447d37a1beaf6d2b.'

        # The service sometimes answers 404 by mistake, so a 404 is asked once more.
        Get-FakeRequestTo "/api/alerts/$A3WithoutUser/user" | Should -HaveCount 2
    }

    It 'makes a 403 a PermissionDenied error that names the permission the call needs' {
        $users = @(Get-DefenderAlertUser -AlertId $ForbiddenAlert -ErrorVariable failures -ErrorAction SilentlyContinue)

        $users | Should -HaveCount 0
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeExactly 'DefenderPS.Forbidden,DefenderPS.Commands.GetDefenderAlertUserCommand'
        $failures[0].CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::PermissionDenied)
        $failures[0].ErrorDetails.RecommendedAction | Should -BeLike '*User.Read.All*'
        $failures[0].ErrorDetails.Message | Should -BeLike '*HTTP 403*'
        $failures[0].Exception.StatusCode | Should -Be 403
        Get-FakeRequestTo "/api/alerts/$ForbiddenAlert/user" | Should -HaveCount 1
    }

    It 'stops at a 401 with an AuthenticationError that names the permission, without retrying a token it cannot refresh or trying the next input' {
        Connect-Defender -AccessToken 'not-the-right-token' -ApiUri (Get-FakeApiInfo).Url

        $failure = { Get-DefenderUserMachine -UserName user1, user2 -ErrorAction SilentlyContinue } |
            Should -Throw -ErrorId 'DefenderPS.Unauthorized,DefenderPS.Commands.GetDefenderUserMachineCommand' -PassThru

        $failure.FullyQualifiedErrorId | Should -BeExactly 'DefenderPS.Unauthorized,DefenderPS.Commands.GetDefenderUserMachineCommand'
        $failure.TargetObject | Should -BeExactly 'user1'
        $failure.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::AuthenticationError)
        $failure.ErrorDetails.RecommendedAction | Should -BeLike '*Machine.Read.All*'
        $failure.Exception.StatusCode | Should -Be 401
        @(Get-FakeRequest) | Should -HaveCount 1
    }

    It 'makes a 400 an InvalidArgument error that is never retried' {
        $alerts = @(Get-DefenderUserAlert -UserName badrequest -ErrorVariable failures -ErrorAction SilentlyContinue)

        $alerts | Should -HaveCount 0
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeExactly 'DefenderPS.BadRequest,DefenderPS.Commands.GetDefenderUserAlertCommand'
        $failures[0].CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::InvalidArgument)
        $failures[0].Exception.ErrorCode | Should -BeExactly 'InvalidInput'
        @(Get-FakeRequest) | Should -HaveCount 1
    }

    It 'reports the documented 404 for an unknown user''s machines and still answers the next user' {
        $machines = @(Get-DefenderUserMachine -UserName ghost, user1 -ErrorVariable failures -ErrorAction SilentlyContinue)

        ($machines.Id -join ',') | Should -BeExactly "$M1,$M2,$M4"
        $failures | Should -HaveCount 1
        $failures[0].TargetObject | Should -BeExactly 'ghost'
        $failures[0].ErrorDetails.Message | Should -BeLike "User 'ghost' was not found.*"
    }

    It 'makes an API error terminating with -ErrorAction Stop' {
        { Get-DefenderAlertUser -AlertId $A3WithoutUser, $A1 -ErrorAction Stop } |
            Should -Throw -ErrorId 'DefenderPS.NotFound,DefenderPS.Commands.GetDefenderAlertUserCommand'

        # The command stopped at the first input, so the second was never asked for.
        Get-FakeRequestTo "/api/alerts/$A1/user" | Should -HaveCount 0
    }

    It 'can be caught with try/catch and -ErrorAction Stop, with the service''s details on the exception' {
        $caught = $null
        $reached = $false
        try {
            $null = Get-DefenderAlertUser -AlertId $ForbiddenAlert -ErrorAction Stop
            $reached = $true
        }
        catch {
            $caught = $_
        }

        $reached | Should -BeFalse
        $caught | Should -Not -BeNullOrEmpty
        $caught.FullyQualifiedErrorId | Should -BeExactly 'DefenderPS.Forbidden,DefenderPS.Commands.GetDefenderAlertUserCommand'
        $caught.Exception.GetType().FullName | Should -BeExactly 'DefenderPS.Http.DefenderApiException'
        $caught.Exception.StatusCode | Should -Be 403
    }
}

Describe 'Ids checked before anything is sent' {
    BeforeEach {
        Connect-FakeApi
        Clear-FakeRequest
    }

    It '<Cmdlet> refuses <Label> with DefenderPS.InvalidId and sends nothing' -ForEach @(
        @{ Cmdlet = 'Get-DefenderAlertUser'; Parameter = 'AlertId'; Id = ''; Label = 'an empty id' }
        @{ Cmdlet = 'Get-DefenderAlertUser'; Parameter = 'AlertId'; Id = '   '; Label = 'white space' }
        @{ Cmdlet = 'Get-DefenderAlertUser'; Parameter = 'AlertId'; Id = '../machines/x'; Label = 'a path' }
        @{ Cmdlet = 'Get-DefenderAlertUser'; Parameter = 'AlertId'; Id = 'a\b'; Label = 'a backslash' }
        @{ Cmdlet = 'Get-DefenderAlertMachine'; Parameter = 'AlertId'; Id = 'x?$top=1'; Label = 'a query' }
        @{ Cmdlet = 'Get-DefenderAlertMachine'; Parameter = 'AlertId'; Id = 'x#y'; Label = 'a fragment' }
        @{ Cmdlet = 'Get-DefenderAlertMachine'; Parameter = 'AlertId'; Id = '%2e%2e'; Label = 'percent-encoding' }
        @{ Cmdlet = 'Get-DefenderMachineLogonUser'; Parameter = 'MachineId'; Id = '..'; Label = 'dot-dot' }
        @{ Cmdlet = 'Get-DefenderMachineLogonUser'; Parameter = 'MachineId'; Id = "abc`ndef"; Label = 'a line break' }
        @{ Cmdlet = 'Get-DefenderMachineLogonUser'; Parameter = 'MachineId'; Id = 'a' * 257; Label = '257 characters' }
        @{ Cmdlet = 'Get-DefenderUserAlert'; Parameter = 'UserName'; Id = 'contoso\'; Label = 'a domain without a user' }
        @{ Cmdlet = 'Get-DefenderUserAlert'; Parameter = 'UserName'; Id = 'a\b\c'; Label = 'two backslashes' }
        @{ Cmdlet = 'Get-DefenderUserMachine'; Parameter = 'UserName'; Id = 'user/1'; Label = 'a slash' }
        @{ Cmdlet = 'Get-DefenderUserMachine'; Parameter = 'UserName'; Id = ' user1'; Label = 'a leading space' }
    ) {
        $arguments = @{ $Parameter = $Id }

        $out = @(& $Cmdlet @arguments -ErrorVariable failures -ErrorAction SilentlyContinue)

        $out | Should -HaveCount 0
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeExactly "DefenderPS.InvalidId,DefenderPS.Commands.$($Cmdlet.Replace('-', ''))Command"
        $failures[0].CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::InvalidArgument)
        $failures[0].ErrorDetails.Message | Should -BeLike '*Nothing was sent*'
        @(Get-FakeRequest) | Should -HaveCount 0
    }

    It 'fails a bad id among good ones alone' {
        $users = @($A1, 'a/b', $A2 | Get-DefenderAlertUser -ErrorVariable failures -ErrorAction SilentlyContinue)

        ($users.AccountName -join ',') | Should -BeExactly 'user1,user2'
        $failures | Should -HaveCount 1
        $failures[0].TargetObject | Should -BeExactly 'a/b'
        @(Get-FakeRequest) | Should -HaveCount 2
    }
}

Describe 'Without a session' {
    It '<Command> stops and says to run Connect-Defender' -ForEach @(
        @{ Command = 'Get-DefenderAlertUser'; Parameter = 'AlertId'; Id = 'da638349583245617393_-1127291855' }
        @{ Command = 'Get-DefenderAlertMachine'; Parameter = 'AlertId'; Id = 'da638349583245617393_-1127291855' }
        @{ Command = 'Get-DefenderUserAlert'; Parameter = 'UserName'; Id = 'user1' }
        @{ Command = 'Get-DefenderUserMachine'; Parameter = 'UserName'; Id = 'user1' }
        @{ Command = 'Get-DefenderMachineLogonUser'; Parameter = 'MachineId'; Id = '7513d6d510e2ddf829035fd7fefa8c785c30adae' }
    ) {
        Disconnect-Defender
        Clear-FakeRequest
        $arguments = @{ $Parameter = $Id }

        { & $Command @arguments } |
            Should -Throw -ErrorId "DefenderPS.NotConnected,DefenderPS.Commands.$($Command.Replace('-', ''))Command" -ExpectedMessage '*Run Connect-Defender*'
        @(Get-FakeRequest) | Should -HaveCount 0
    }

    It 'refuses a disconnected session passed with -Session' {
        $session = Connect-FakeApi -Option @{ PassThru = $true }
        Disconnect-Defender -Session $session

        { Get-DefenderAlertUser -AlertId $A1 -Session $session } |
            Should -Throw -ErrorId 'DefenderPS.SessionDisconnected,DefenderPS.Commands.GetDefenderAlertUserCommand'
    }
}

Describe 'Secret hygiene' {
    It 'never shows the token in Get-DefenderSession | Format-List *' {
        $token = (Get-FakeApiInfo).Token
        Connect-FakeApi
        $null = Get-DefenderAlertUser -AlertId $A1

        $text = Get-DefenderSession | Format-List * | Out-String -Width 4096

        $text | Should -BeLike '*RequestCount*'
        $text | Should -BeLike '*AccessToken*'
        $text.Contains($token) | Should -BeFalse
    }

    It 'never shows the token in any stream, even when requests fail' {
        $token = (Get-FakeApiInfo).Token

        $records = @(& {
                $ErrorActionPreference = 'Continue'
                $VerbosePreference = 'Continue'
                $DebugPreference = 'Continue'
                Connect-FakeApi -Option @{ PassThru = $true } | ForEach-Object { $_.PSObject.Properties | ForEach-Object { "$($_.Name)=$($_.Value)" } }
                Get-DefenderAlertUser -AlertId $A1, $ForbiddenAlert, $A3WithoutUser
                Get-DefenderUserAlert -UserName badrequest, nobody
                # Rendered here, as the console would: Format-List's records only make text as one sequence.
                Get-DefenderSession | Format-List * | Out-String -Width 4096
                Disconnect-Defender
            } *>&1)
        $text = ($records | ForEach-Object {
                if ($_ -is [System.Management.Automation.ErrorRecord]) {
                    "$_ $($_.Exception) $($_.ErrorDetails.Message) $($_.ErrorDetails.RecommendedAction) $($_.FullyQualifiedErrorId)"
                }
                else {
                    $_ | Out-String -Width 4096
                }
            }) -join "`n"

        @($records | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }) | Should -HaveCount 3
        @($records | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Count | Should -BeGreaterThan 0
        $text | Should -BeLike '*DefenderPS.Forbidden*'
        $text | Should -BeLike '*AccessToken*'
        $text.Contains($token) | Should -BeFalse
    }
}
