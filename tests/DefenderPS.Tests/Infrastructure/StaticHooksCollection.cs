namespace DefenderPS.Tests.Infrastructure;

/// <summary>
/// Tests that set the module's process-wide hooks (the clock, MSAL's HTTP path) run alone,
/// so no other test class connects while a hook is in place.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StaticHooksCollection
{
    public const string Name = "Module static hooks";
}
