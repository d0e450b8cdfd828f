# DefenderPS keeps its dependencies apart from the rest of the session (about_DefenderPS, "Coexisting with other
# modules"): only DefenderPS.Loader.dll joins the shared context; it loads DefenderPS.dll, MSAL and System.Text.Json
# from lib/<framework>/ in DefenderPS's own load context (PowerShell 7) or side by side (Windows PowerShell 5.1).
# Kept to a few statements: every kind of expression a module's script uses first costs the import JIT time.
$framework = if ($PSEdition -eq 'Core') { 'net8.0' } else { 'net472' }
try {
    $loader = [System.Reflection.Assembly]::LoadFrom("$PSScriptRoot/loader/$framework/DefenderPS.Loader.dll")
    $assembly = $loader.GetType('DefenderPS.Loader.IsolatedModule', $true)::Load("$PSScriptRoot/lib/$framework")
}
catch {
    throw "DefenderPS needs Windows PowerShell 5.1 or PowerShell 7.4 or later (this is $($PSVersionTable.PSVersion)), and could not load: $_"
}

$cmdlets = Microsoft.PowerShell.Core\Import-Module -Assembly $assembly -PassThru

# Import-Module -Force (and a later import after Remove-Module) would otherwise find the cached cmdlet module and
# export nothing: https://github.com/PowerShell/PowerShell/issues/20710
$ExecutionContext.SessionState.Module.OnRemove = { Microsoft.PowerShell.Core\Remove-Module -ModuleInfo $cmdlets -Force }
