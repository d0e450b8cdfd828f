@{
    # Stands in for a module a session has usually loaded before (PSReadLine ships a format file):
    # importing it first JIT-compiles PowerShell's format and type file loaders.
    ModuleVersion     = '1.0.0'
    GUID              = '6f1d2c3b-4a5e-4f60-8b7c-9d0e1f2a3b4c'
    Author            = 'DefenderPS contributors'
    Description       = 'Format and type files only: warms the loaders in benchmarks/DefenderPS.ImportBenchmark.'
    FormatsToProcess  = @('FormatOnly.Format.ps1xml')
    TypesToProcess    = @('FormatOnly.Types.ps1xml')
    CmdletsToExport   = @()
    FunctionsToExport = @()
    VariablesToExport = @()
    AliasesToExport   = @()
}
