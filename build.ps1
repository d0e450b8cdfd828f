#Requires -Version 7.2
<#
.SYNOPSIS
    Builds DefenderPS into out/DefenderPS and runs its tests.
.PARAMETER Task
    Build: compile and stage the importable module in out/DefenderPS.
    Test:  Build, then run the xunit suite (dotnet test), which runs the Pester suite (tests/pester) in pwsh 7.6.9,
           the local .NET tool that dotnet-tools.json pins, with Pester 5.9.1 from NuGet.
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
    # The xunit suite runs the Pester suite too, in the pwsh that dotnet-tools.json pins and with the Pester module
    # from NuGet (PesterSuiteTests.cs), so the pwsh running this script does not matter.
    dotnet test DefenderPS.sln --configuration $Configuration --no-build
    if ($LASTEXITCODE) { throw "dotnet test failed with exit code $LASTEXITCODE." }
    Write-Host "Pester's result, one test case per Pester test: $(Join-Path $PSScriptRoot 'TestResults/Pester.junit.xml')"
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
