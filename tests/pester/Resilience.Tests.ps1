#Requires -Version 7.2
# Given a fake that fails the way the real service does (faults queued over /_fake/enqueue), no input is
# lost, nothing loops and Ctrl+C works. Mirrors ResilienceTests, in real time: every wait here is short.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Start-FakeApi
}

AfterAll {
    Stop-FakeApi
}

Describe 'The fake''s control endpoints' {
    It 'serve queued faults first and stay out of the request log' {
        Connect-FakeApi
        Clear-FakeRequest
        Add-FakeFault -Path '/api/alerts/da1_scripted/user' -Response @{ kind = 'json'; status = 200; body = '{"id":"contoso\\user9","accountName":"user9"}' }

        $users = @(Get-DefenderAlertUser -AlertId da1_scripted)

        $users | Should -HaveCount 1
        $users[0].Id | Should -BeExactly 'contoso\user9'
        $users[0].AlertId | Should -BeExactly 'da1_scripted'
        $requests = @(Get-FakeRequest)
        ($requests.RawTarget -join ' ') | Should -BeExactly '/api/alerts/da1_scripted/user'
        $requests[0].Method | Should -BeExactly 'GET'
        $requests[0].Status | Should -Be 200
    }
}

Describe 'Retries and throttling' {
    BeforeEach {
        Clear-FakeRequest
    }

    It 'waits out a 429 with Retry-After mid-pipeline and still writes all 3 objects in order' {
        Connect-FakeApi
        Add-FakeFault -Path "/api/alerts/$A2/user" -Response @{ kind = 'status'; status = 429; retryAfterSeconds = 1 }

        $users = @($A1, $A2, $A4 | Get-DefenderAlertUser -ErrorVariable failures -ErrorAction SilentlyContinue)

        $failures | Should -HaveCount 0 -Because "$failures"
        ($users.AlertId -join ',') | Should -BeExactly "$A1,$A2,$A4"
        ($users.AccountName -join ',') | Should -BeExactly 'user1,user2,user1'
        (Get-DefenderSession).ThrottledCount | Should -Be 1
        $throttled = @(Get-FakeRequestTo "/api/alerts/$A2/user")
        ($throttled.Status -join ',') | Should -BeExactly '429,200'
        ($throttled[1].Timestamp - $throttled[0].Timestamp).TotalSeconds | Should -BeGreaterOrEqual 0.9
    }

    It 'retries 503, 503 and then writes the answer' {
        Connect-FakeApi
        Add-FakeFault -Path "/api/alerts/$A1/user" -Response @(
            @{ kind = 'status'; status = 503 }
            @{ kind = 'status'; status = 503 }
        )

        $users = @(Get-DefenderAlertUser -AlertId $A1 -ErrorVariable failures -ErrorAction SilentlyContinue)

        $failures | Should -HaveCount 0 -Because "$failures"
        $users | Should -HaveCount 1
        $users[0].AccountName | Should -BeExactly 'user1'
        (@(Get-FakeRequestTo "/api/alerts/$A1/user").Status -join ',') | Should -BeExactly '503,503,200'
        (Get-DefenderSession).RetryCount | Should -Be 2
    }

    It 'makes a server error that outlasts -MaxRetries an error for that input only' {
        Connect-FakeApi -Option @{ MaxRetries = 1 }
        Add-FakeFault -Path "/api/alerts/$A1/user" -Response @(
            @{ kind = 'status'; status = 503 }
            @{ kind = 'status'; status = 503 }
        )

        $users = @(Get-DefenderAlertUser -AlertId $A1, $A2 -ErrorVariable failures -ErrorAction SilentlyContinue)

        ($users.AccountName -join ',') | Should -BeExactly 'user2'
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeExactly 'DefenderPS.ServerError,DefenderPS.Commands.GetDefenderAlertUserCommand'
        $failures[0].TargetObject | Should -BeExactly $A1
        Get-FakeRequestTo "/api/alerts/$A1/user" | Should -HaveCount 2
    }

    It 'retries a reset connection' {
        Connect-FakeApi
        Add-FakeFault -Path "/api/alerts/$A1/user" -Response @{ kind = 'reset' }

        $users = @(Get-DefenderAlertUser -AlertId $A1 -ErrorVariable failures -ErrorAction SilentlyContinue)

        $failures | Should -HaveCount 0 -Because "$failures"
        $users | Should -HaveCount 1
        (@(Get-FakeRequestTo "/api/alerts/$A1/user").Status -join ',') | Should -BeExactly '0,200'
    }

    It 'makes malformed JSON an InvalidResponse error and does not retry it' {
        Connect-FakeApi
        Add-FakeFault -Path "/api/alerts/$A1/user" -Response @{ kind = 'text'; status = 200; body = '{"id": oops}' }

        $users = @(Get-DefenderAlertUser -AlertId $A1 -ErrorVariable failures -ErrorAction SilentlyContinue)

        $users | Should -HaveCount 0
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeExactly 'DefenderPS.InvalidResponse,DefenderPS.Commands.GetDefenderAlertUserCommand'
        Get-FakeRequestTo "/api/alerts/$A1/user" | Should -HaveCount 1
    }

    It 'times out a hanging request with -TimeoutSec' {
        Connect-FakeApi -Option @{ TimeoutSec = 1; MaxRetries = 0 }
        Add-FakeFault -Path "/api/alerts/$A1/user" -Response @{ kind = 'hang' }

        $users = @(Get-DefenderAlertUser -AlertId $A1 -ErrorVariable failures -ErrorAction SilentlyContinue)

        $users | Should -HaveCount 0
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeExactly 'DefenderPS.Timeout,DefenderPS.Commands.GetDefenderAlertUserCommand'
        $failures[0].CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::OperationTimeout)
    }
}

Describe 'A server that is gone' {
    It 'gives one DefenderPS.ConnectionFailed error per input' {
        # A port that was free a moment ago: nothing listens there.
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        $port = ([System.Net.IPEndPoint] $listener.LocalEndpoint).Port
        $listener.Stop()
        Connect-Defender -AccessToken x -ApiUri "http://127.0.0.1:$port/" -MaxRetries 1

        $users = @($A1, $A2, $A4 | Get-DefenderAlertUser -ErrorVariable failures -ErrorAction SilentlyContinue)

        $users | Should -HaveCount 0
        $failures | Should -HaveCount 3
        @($failures | Where-Object { $_.FullyQualifiedErrorId -cne 'DefenderPS.ConnectionFailed,DefenderPS.Commands.GetDefenderAlertUserCommand' }) |
            Should -HaveCount 0 -Because "$failures"
        (@($failures | ForEach-Object { $_.TargetObject }) -join ',') | Should -BeExactly "$A1,$A2,$A4"
        $failures[0].CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ConnectionError)
        (Get-DefenderSession).RequestCount | Should -Be 6
    }
}

Describe 'Ctrl+C' {
    It 'stops a command waiting out a long Retry-After within 5 s' {
        $fake = Get-FakeApiInfo
        $target = "/api/alerts/$A1/user"
        Clear-FakeRequest
        Add-FakeFault -Path $target -Response @{ kind = 'status'; status = 429; retryAfterSeconds = 3600 }

        $state = [System.Management.Automation.Runspaces.InitialSessionState]::CreateDefault2()
        $state.ImportPSModule([string[]] @($ModuleManifest))
        $runspace = [System.Management.Automation.Runspaces.RunspaceFactory]::CreateRunspace($state)
        $powershell = [System.Management.Automation.PowerShell]::Create()
        try {
            $runspace.Open()
            $powershell.Runspace = $runspace
            $null = $powershell.AddScript('param($Token, $Uri, $AlertId) Connect-Defender -AccessToken $Token -ApiUri $Uri; Get-DefenderAlertUser -AlertId $AlertId')
            $null = $powershell.AddParameter('Token', $fake.Token)
            $null = $powershell.AddParameter('Uri', $fake.Url)
            $null = $powershell.AddParameter('AlertId', $A1)
            $running = $powershell.BeginInvoke()

            $deadline = [datetime]::UtcNow.AddSeconds(20)
            while (@(Get-FakeRequestTo $target).Count -eq 0 -and -not $running.IsCompleted -and [datetime]::UtcNow -lt $deadline) {
                Start-Sleep -Milliseconds 50
            }
            # Streams.Error is read by index: enumerating a running pipeline's stream blocks until it ends.
            $problem = if ($powershell.Streams.Error.Count -gt 0) { "$($powershell.Streams.Error[0])" } else { "$($powershell.InvocationStateInfo.State)" }
            Get-FakeRequestTo $target | Should -HaveCount 1 -Because "the command should have sent its request ($problem)"
            Start-Sleep -Milliseconds 300
            $running.IsCompleted | Should -BeFalse -Because 'the 429 pause of an hour should still be running'

            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $powershell.Stop()
            $watch.Stop()

            $watch.Elapsed.TotalSeconds | Should -BeLessThan 5
            $powershell.InvocationStateInfo.State | Should -Be ([System.Management.Automation.PSInvocationState]::Stopped)
        }
        finally {
            $powershell.Dispose()
            $runspace.Dispose()
        }
    }
}
