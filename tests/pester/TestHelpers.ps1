# Shared by the Pester 5 suite. Dot-source it in each file's BeforeAll, then start the fake:
#
#   BeforeAll {
#       . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
#       Start-FakeApi
#   }
#   AfterAll { Stop-FakeApi }
#
# Dot-sourcing imports the built module (out/DefenderPS) and defines the ids of the recorded contoso
# tenant (tests/recordings/README.md). The fake runs as its own process (tests/DefenderPS.FakeApi) and is
# scripted over HTTP (/_fake/enqueue, /_fake/requests, /_fake/clear), as the xunit suite scripts it in-process.

function Get-RepoRoot {
    $dir = $PSScriptRoot
    while ($dir) {
        if (Test-Path -LiteralPath (Join-Path $dir 'DefenderPS.sln')) {
            return $dir
        }
        $dir = Split-Path -Path $dir -Parent
    }
    throw "The repository root (the folder with DefenderPS.sln) was not found above '$PSScriptRoot'."
}

function Get-FakeApiInfo {
    $fake = Get-Variable -Name DefenderPSTestFake -Scope Global -ValueOnly -ErrorAction SilentlyContinue
    if ($null -eq $fake) {
        throw 'The fake API is not running: call Start-FakeApi in BeforeAll first.'
    }
    $fake
}

# Starts the fake as a process and waits for its FAKE_API_URL= and FAKE_API_TOKEN= lines. Its stdin stays
# open (redirected) until Stop-FakeApi closes it; the fake exits when stdin closes, so it cannot outlive pwsh.
function Start-FakeApi {
    [CmdletBinding()]
    param(
        [int] $TimeoutSeconds = 60
    )

    Stop-FakeApi
    $root = Get-RepoRoot
    $candidates = @('Debug', 'Release') |
        ForEach-Object { Join-Path $root "tests/DefenderPS.FakeApi/bin/$_/net10.0/DefenderPS.FakeApi.dll" } |
        Where-Object { Test-Path -LiteralPath $_ }
    if (-not $candidates) {
        throw "The fake API is not built (no tests/DefenderPS.FakeApi/bin/Debug or Release/net10.0/DefenderPS.FakeApi.dll): run 'dotnet build' in '$root' first."
    }

    # Both configurations may exist; the newest build is the one that matches the sources.
    $dll = $candidates | Sort-Object { (Get-Item -LiteralPath $_).LastWriteTimeUtc } -Descending | Select-Object -First 1
    $dotnet = Get-Command -Name dotnet -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($null -eq $dotnet) {
        throw "'dotnet' is not on PATH; it is needed to run the fake API ($dll)."
    }

    $startInfo = [System.Diagnostics.ProcessStartInfo]::new($dotnet.Source)
    $startInfo.ArgumentList.Add($dll)
    $startInfo.ArgumentList.Add('--recordings')
    $startInfo.ArgumentList.Add((Join-Path $root 'tests/recordings'))
    $startInfo.UseShellExecute = $false
    $startInfo.CreateNoWindow = $true
    $startInfo.RedirectStandardInput = $true
    $startInfo.RedirectStandardOutput = $true
    $startInfo.RedirectStandardError = $true

    $process = [System.Diagnostics.Process]::Start($startInfo)

    # Drained in the background so the fake can never block on a full pipe; read when it fails.
    $stderr = $process.StandardError.ReadToEndAsync()
    $url = $null
    $token = $null
    $deadline = [datetime]::UtcNow.AddSeconds($TimeoutSeconds)
    try {
        while ($null -eq $url -or $null -eq $token) {
            $remaining = $deadline - [datetime]::UtcNow
            $read = $process.StandardOutput.ReadLineAsync()
            if ($remaining -le [timespan]::Zero -or -not $read.Wait($remaining)) {
                throw "The fake API ($dll) did not print FAKE_API_URL= and FAKE_API_TOKEN= within $TimeoutSeconds s."
            }

            $line = $read.Result
            if ($null -eq $line) {
                $null = $process.WaitForExit(5000)
                $errorText = if ($stderr.Wait(2000)) { $stderr.Result } else { '' }
                throw "The fake API ($dll) exited before it was ready: $errorText"
            }

            if ($line.StartsWith('FAKE_API_URL=')) {
                $url = $line.Substring('FAKE_API_URL='.Length).Trim()
            }
            elseif ($line.StartsWith('FAKE_API_TOKEN=')) {
                $token = $line.Substring('FAKE_API_TOKEN='.Length).Trim()
            }
        }
    }
    catch {
        $failure = $_
        try {
            $process.Kill($true)
        }
        catch [System.InvalidOperationException] {
            # It has already exited.
        }
        $process.Dispose()
        throw $failure
    }

    $null = $process.StandardOutput.ReadToEndAsync()
    if (-not $url.EndsWith('/')) {
        $url += '/'
    }

    $global:DefenderPSTestFake = [pscustomobject]@{
        Process = $process
        Url     = $url
        Token   = $token
        Dll     = $dll
    }
}

function Stop-FakeApi {
    $fake = Get-Variable -Name DefenderPSTestFake -Scope Global -ValueOnly -ErrorAction SilentlyContinue
    if ($null -eq $fake) {
        return
    }

    $global:DefenderPSTestFake = $null
    $process = $fake.Process
    try {
        if (-not $process.HasExited) {
            # Closing stdin is the fake's signal to stop; kill it only if it does not.
            $process.StandardInput.Close()
            if (-not $process.WaitForExit(10000)) {
                $process.Kill($true)
                $null = $process.WaitForExit(5000)
            }
        }
    }
    finally {
        $process.Dispose()
    }
}

# Makes the fake the default session. -Option adds Connect-Defender parameters, e.g. @{ MaxRetries = 1 }.
function Connect-FakeApi {
    param(
        [hashtable] $Option = @{}
    )

    $fake = Get-FakeApiInfo
    Connect-Defender -AccessToken $fake.Token -ApiUri $fake.Url @Option
}

# Queues responses for the next requests to -Path (path and query, as on the wire), served ahead of the
# recordings. Each response is a hashtable such as @{ kind = 'status'; status = 429; retryAfterSeconds = 2 },
# @{ kind = 'json'; status = 200; body = '{...}' }, @{ kind = 'text'; status = 200; body = '{"id":' },
# @{ kind = 'error'; status = 409; code = 'Conflict'; message = 'No.' }, @{ kind = 'reset' } or @{ kind = 'hang' }.
function Add-FakeFault {
    param(
        [Parameter(Mandatory)]
        [string] $Path,

        [Parameter(Mandatory)]
        [object[]] $Response,

        [string] $Method = 'GET'
    )

    $fake = Get-FakeApiInfo
    $body = @{
        method       = $Method
        pathAndQuery = $Path
        responses    = @($Response)
    } | ConvertTo-Json -Depth 5 -Compress
    $null = Invoke-RestMethod -Method Post -Uri "$($fake.Url)_fake/enqueue" -ContentType 'application/json' -Body $body -NoProxy
}

# The fake's request log, oldest first: Method, RawTarget (as on the wire), Status (0 when the connection
# was dropped without one) and Timestamp. The control requests themselves are never in it.
function Get-FakeRequest {
    $fake = Get-FakeApiInfo
    $log = Invoke-RestMethod -Method Get -Uri "$($fake.Url)_fake/requests" -NoProxy
    foreach ($entry in $log) {
        if ($null -eq $entry) {
            continue
        }
        [pscustomobject]@{
            Method    = [string] $entry.method
            RawTarget = [string] $entry.rawTarget
            Status    = [int] $entry.status
            Timestamp = [datetimeoffset] $entry.timestamp
        }
    }
}

# Empties the request log (queued faults stay queued).
function Clear-FakeRequest {
    $fake = Get-FakeApiInfo
    $null = Invoke-RestMethod -Method Post -Uri "$($fake.Url)_fake/clear" -NoProxy
}

# Requests whose target is exactly -RawTarget, as an array (possibly empty).
function Get-FakeRequestTo {
    param(
        [Parameter(Mandatory)]
        [string] $RawTarget
    )

    @(Get-FakeRequest | Where-Object { $_.RawTarget -ceq $RawTarget })
}

# The recorded contoso tenant (tests/recordings/README.md), as in the xunit suite's Contoso class.
$M1 = '7513d6d510e2ddf829035fd7fefa8c785c30adae'
$M2 = '8886f27274236621e7a07d4d42bb110082023c4f'
$M3 = 'a72f223ff7bbd01cf59cdbe6f0c1bf0c716681ee'
$M4 = '22ee2dd71fc61f6ece85c42748a0b13ed5e2380d'
$UnknownMachine = '0000000000000000000000000000000000000000'
$A1 = 'da638349583245617393_-1127291855'
$A2 = 'da638353783076612004_-1687049044'
$A3WithoutUser = 'ar638180599315648136_73827727'
$A4 = 'da638351435020937415_1655757385'
$A5WithExtraProperty = 'da638360390768805120_-1043878362'
$A6 = 'da638356423603318067_1456476994'
$ForbiddenAlert = 'da000000000000000000_forbidden'
$NotFoundAlert = 'da000000000000000000_notfound'

$RepoRoot = Get-RepoRoot
$ModuleManifest = Join-Path $RepoRoot 'out/DefenderPS/DefenderPS.psd1'
if (-not (Test-Path -LiteralPath $ModuleManifest)) {
    throw "The module is not built ($ModuleManifest is missing): run 'dotnet build' in '$RepoRoot' first."
}
Import-Module -Name $ModuleManifest -Force -ErrorAction Stop
