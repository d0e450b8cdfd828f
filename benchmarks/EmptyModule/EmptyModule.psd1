@{
    RootModule        = 'EmptyModule.dll'
    ModuleVersion     = '1.0.0'
    GUID              = '0b7e3c55-2f0a-4d3c-9a51-6a3c0f1e2d4b'
    Author            = 'DefenderPS contributors'
    Description       = 'An empty binary module: the baseline of benchmarks/DefenderPS.ImportBenchmark.'
    PowerShellVersion = '5.1'
    CmdletsToExport   = @('Get-Empty')
    FunctionsToExport = @()
    VariablesToExport = @()
    AliasesToExport   = @()
}
