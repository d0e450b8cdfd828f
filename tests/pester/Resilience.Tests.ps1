#Requires -Version 7.2
# Given a fake that fails the way the real service does (faults queued over /_fake/enqueue), a script's
# pipeline loses no input. The retry rules themselves (5xx, resets, timeouts, malformed JSON, Ctrl+C) are
# xunit facts (ResilienceTests) and are not repeated here.

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

Describe 'Throttling' {
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
