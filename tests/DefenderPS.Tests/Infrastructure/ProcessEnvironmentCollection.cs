namespace DefenderPS.Tests.Infrastructure;

/// <summary>
/// Tests that set process environment variables (IDENTITY_ENDPOINT, AZURE_FEDERATED_TOKEN_FILE...) run alone: every
/// runspace in the process reads them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessEnvironmentCollection
{
    public const string Name = "Process environment variables";
}
