using DefenderPS.FakeApi;

namespace DefenderPS.Tests.Infrastructure;

/// <summary>A module and a fake that share one <see cref="VirtualClock"/>.</summary>
public class VirtualTimeFixture : ModuleFixture
{
    public VirtualClock Clock { get; } = new();

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        ModuleInternals.SetClock(Runspace, Clock);
    }

    protected override FakeApiOptions CreateOptions() => new() { TimeProvider = Clock };

    /// <summary>Runs a script while simulated time moves whenever everything is waiting.</summary>
    public ScriptResult RunInVirtualTime(string script)
    {
        using var driver = Clock.Drive(Api);
        return Run(script);
    }
}

/// <summary>The same, with the fake enforcing the service's own call budget.</summary>
public sealed class ServerLimitFixture : VirtualTimeFixture
{
    protected override FakeApiOptions CreateOptions() => new()
    {
        TimeProvider = Clock,
        RateLimit = new FakeRateLimit { PerMinute = 5, PerHour = 20 },
    };
}
