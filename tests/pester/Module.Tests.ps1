# The module itself: importing again, and keeping its dependencies apart from other modules'.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
}

Describe 'Importing DefenderPS' {
    It 'keeps every cmdlet after Import-Module -Force' {
        Import-Module -Name $ModuleManifest -Force -ErrorAction Stop

        (Get-Module -Name DefenderPS).ExportedCmdlets.Count | Should -Be 8
        @(Get-Command -Module DefenderPS) | Should -HaveCount 8
    }

    It 'keeps every cmdlet when imported again after Remove-Module' {
        Remove-Module -Name DefenderPS
        Import-Module -Name $ModuleManifest -ErrorAction Stop

        (Get-Module -Name DefenderPS).ExportedCmdlets.Count | Should -Be 8
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
