# DefenderPS keeps its dependencies apart from the rest of the session (see about_DefenderPS, "Coexisting with other
# modules"): only DefenderPS.Loader.dll joins the shared context; it loads DefenderPS.dll, MSAL and System.Text.Json
# from lib/<framework>/ in DefenderPS's own load context (PowerShell 7) or side by side (Windows PowerShell 5.1).
if ($PSVersionTable.PSEdition -eq 'Core') {
    if ($PSVersionTable.PSVersion -lt [version]'7.4') {
        throw "DefenderPS needs PowerShell 7.4 or later (or Windows PowerShell 5.1); this is PowerShell $($PSVersionTable.PSVersion)."
    }
    $framework = 'net8.0'
}
else {
    $framework = 'net472'
}

$loader = [System.Reflection.Assembly]::LoadFrom([System.IO.Path]::Combine($PSScriptRoot, 'loader', $framework, 'DefenderPS.Loader.dll'))
$assembly = $loader.GetType('DefenderPS.Loader.IsolatedModule', $true)::Load([System.IO.Path]::Combine($PSScriptRoot, 'lib', $framework))
Microsoft.PowerShell.Core\Import-Module -Assembly $assembly -Force
