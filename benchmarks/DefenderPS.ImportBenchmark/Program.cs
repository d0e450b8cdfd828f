using BenchmarkDotNet.Running;
using DefenderPS.ImportBenchmark;

foreach (var module in new[] { "EmptyModule", "DefenderPS", "FormatOnly" })
{
    if (!File.Exists(Paths.Manifest(module)))
    {
        Console.Error.WriteLine($"{Paths.Manifest(module)} is missing: run with -c Release so both modules are built.");
        return 1;
    }
}

BenchmarkRunner.Run<ImportBenchmark>(args: args);
return 0;
