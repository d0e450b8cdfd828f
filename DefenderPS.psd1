@{
    RootModule           = 'DefenderPS.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5f0c2a4e-8a4b-4b7e-9f63-2d8e1c7a9b41'
    Author               = 'DefenderPS contributors'
    CompanyName          = 'DefenderPS'
    Copyright            = '(c) DefenderPS contributors. MIT License.'
    Description          = 'Fast, safe PowerShell cmdlets for the Microsoft Defender for Endpoint API: alerts, users, machines and who logged on where, as pipeline-friendly objects.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    FormatsToProcess     = @('DefenderPS.Format.ps1xml')
    TypesToProcess       = @('DefenderPS.Types.ps1xml')
    CmdletsToExport      = @(
        'Connect-Defender'
        'Disconnect-Defender'
        'Get-DefenderSession'
        'Clear-DefenderCache'
        'Get-DefenderAlert'
        'Get-DefenderMachine'
        'Invoke-DefenderApiRequest'
        'Invoke-DefenderHuntingQuery'
        'Get-DefenderAlertUser'
        'Get-DefenderAlertMachine'
        'Get-DefenderUserAlert'
        'Get-DefenderUserMachine'
        'Get-DefenderMachineLogonUser'
        'Start-DefenderMachineIsolation'
        'Stop-DefenderMachineIsolation'
        'Start-DefenderAntivirusScan'
        'Start-DefenderInvestigationPackage'
        'Start-DefenderAppRestriction'
        'Stop-DefenderAppRestriction'
        'Add-DefenderMachineTag'
        'Remove-DefenderMachineTag'
        'Get-DefenderMachineAction'
        'Wait-DefenderMachineAction'
        'Stop-DefenderMachineAction'
        'Update-DefenderAlert'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Defender', 'MDE', 'MicrosoftDefenderForEndpoint', 'Security', 'SecOps', 'PSEdition_Core', 'PSEdition_Desktop')
            ProjectUri   = 'https://github.com/defenderps/DefenderPS'
            LicenseUri   = 'https://github.com/defenderps/DefenderPS/blob/main/LICENSE'
        }
    }
}
