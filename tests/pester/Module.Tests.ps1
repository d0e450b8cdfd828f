# The module itself: importing again, and keeping its dependencies apart from other modules'.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    # Every cmdlet the manifest promises; a re-import that lost some would export fewer.
    $promised = (Import-PowerShellDataFile -Path $ModuleManifest).CmdletsToExport
}

Describe 'Importing DefenderPS' {
    It 'keeps every cmdlet after Import-Module -Force' {
        Import-Module -Name $ModuleManifest -Force -ErrorAction Stop

        $promised.Count | Should -BeGreaterThan 8
        @((Get-Module -Name DefenderPS).ExportedCmdlets.Keys | Sort-Object) | Should -Be @($promised | Sort-Object)
        @(Get-Command -Module DefenderPS) | Should -HaveCount $promised.Count
    }

    It 'keeps every cmdlet when imported again after Remove-Module' {
        Remove-Module -Name DefenderPS
        Import-Module -Name $ModuleManifest -ErrorAction Stop

        @((Get-Module -Name DefenderPS).ExportedCmdlets.Keys | Sort-Object) | Should -Be @($promised | Sort-Object)
        Connect-Defender -Demo
        @(Get-DefenderUserAlert -UserName alice) | Should -HaveCount 3
    }

    It 'loads its engine and MSAL in its own load context, never into the shared one' -Skip:($PSEdition -ne 'Core') {
        Connect-Defender -Demo
        $null = Get-DefenderUserAlert -UserName alice

        $own = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -EQ 'DefenderPS'
        @($own) | Should -HaveCount 1
        $own.Assemblies.GetName().Name | Should -Contain 'DefenderPS.Engine'
        $shared = [System.Runtime.Loader.AssemblyLoadContext]::Default.Assemblies.GetName().Name
        $shared | Should -Contain 'DefenderPS'
        $shared | Should -Not -Contain 'DefenderPS.Engine'
    }

    It 'lets scripts name its own types' {
        Connect-Defender -Demo

        (Get-DefenderSession) -is [DefenderPS.Session.DefenderSession] | Should -BeTrue
        [DefenderPS.Authentication.DefenderCloud]::GCC | Should -Be 'GCC'
    }
}

Describe 'The exporting example in about_DefenderPS' {
    # Export-Csv and ConvertTo-Json exist only in a full PowerShell, not in the xunit suite's engine.
    It 'works as written: nested objects as text and arrays joined in the CSV, names in the JSON' {
        $markdown = Get-Content -Raw -LiteralPath (Join-Path (Get-RepoRoot) 'docs/en-US/about_DefenderPS.md')
        $example = [regex]::Match($markdown, '(?s)### Exporting.*?```powershell\r?\n(.*?)```').Groups[1].Value
        $example | Should -Not -BeNullOrEmpty

        Push-Location -Path TestDrive:
        try {
            . ([scriptblock]::Create($example))
            $alerts = Import-Csv -Path ./alerts.csv
            $machines = Import-Csv -Path ./machines.csv
            $json = Get-Content -Raw -Path ./alerts.json | ConvertFrom-Json
        }
        finally {
            Pop-Location
        }

        $smb = $alerts | Where-Object Id -EQ 'da639305071286672514_-1481485546'
        $smb.Severity | Should -Be 'High'
        $smb.RelatedUser | Should -Be 'FABRIKAM\alice'
        $smb.LoggedOnUsers | Should -Be 'FABRIKAM\alice; FABRIKAM\svc-sql'
        $smb.MitreTechniques | Should -Be 'T1021.002; T1569.002; T1570'
        ($machines | Where-Object ComputerDnsName -EQ 'sql01.fabrikam.com').IpAddresses | Should -Be '10.10.0.31 (00-50-56-8E-7A-21)'
        $expected = if ($PSEdition -eq 'Core') { 'High' } else { 4 }   # Windows PowerShell's ConvertTo-Json writes enums as numbers
        ($json | Where-Object Id -EQ 'da639305071286672514_-1481485546').Severity | Should -Be $expected
    }
}
