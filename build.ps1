#Requires -Version 7.2
<#
.SYNOPSIS
    Builds DefenderPS into out/DefenderPS and runs its tests.
.PARAMETER Task
    Build: compile and stage the importable module in out/DefenderPS.
    Test:  Build, then run the xunit suite (dotnet test) and the Pester 5 suite (tests/pester).
    Package: Build, then write out/DefenderPS.<ModuleVersion>.nupkg, the PowerShell Gallery package
           (the same as `dotnet build src/DefenderPS -t:Package`), and check the manifest with Test-ModuleManifest.
.PARAMETER Configuration
    Debug or Release.
.EXAMPLE
    ./build.ps1
.EXAMPLE
    ./build.ps1 -Task Test
.EXAMPLE
    ./build.ps1 -Task Package -Configuration Release
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug'
)

$ErrorActionPreference = 'Stop'
Set-Location -LiteralPath $PSScriptRoot

function Invoke-Build {
    dotnet build DefenderPS.sln --configuration $Configuration -warnaserror
    if ($LASTEXITCODE) { throw "dotnet build failed with exit code $LASTEXITCODE." }
    Write-Host "Module staged at $(Join-Path $PSScriptRoot 'out/DefenderPS')"
}

function Invoke-Test {
    Invoke-Build
    # The xunit suite runs Pester itself when pwsh is on PATH; here Pester runs below, with its own output.
    $env:DEFENDERPS_SKIP_PESTER_BRIDGE = '1'
    try {
        dotnet test DefenderPS.sln --configuration $Configuration --no-build
        if ($LASTEXITCODE) { throw "dotnet test failed with exit code $LASTEXITCODE." }
    }
    finally {
        Remove-Item Env:DEFENDERPS_SKIP_PESTER_BRIDGE
    }

    $pester = Get-Module -ListAvailable Pester | Where-Object Version -GE '5.0.0' | Sort-Object Version -Descending | Select-Object -First 1
    if (-not $pester) { throw 'Pester 5 is not installed: Install-Module Pester -MinimumVersion 5.0 -Scope CurrentUser' }
    Import-Module $pester
    $config = New-PesterConfiguration
    $config.Run.Path = Join-Path $PSScriptRoot 'tests/pester'
    $config.Run.Exit = $true
    $config.Output.Verbosity = 'Detailed'
    Invoke-Pester -Configuration $config
}

function Invoke-Package {
    # The version comes from DefenderPS.psd1 only; the Package target reads it from there.
    dotnet build src/DefenderPS/DefenderPS.csproj -t:Package --configuration $Configuration -warnaserror
    if ($LASTEXITCODE) { throw "dotnet build -t:Package failed with exit code $LASTEXITCODE." }
    $manifest = Test-ModuleManifest -Path (Join-Path $PSScriptRoot 'out/DefenderPS/DefenderPS.psd1') -ErrorAction Stop
    $package = Get-Item -Path (Join-Path $PSScriptRoot "out/DefenderPS.$($manifest.Version)*.nupkg") |
        Sort-Object LastWriteTime -Descending | Select-Object -First 1
    Write-Host "Package: $($package.FullName)"
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Test' { Invoke-Test }
    'Package' { Invoke-Package }
}
