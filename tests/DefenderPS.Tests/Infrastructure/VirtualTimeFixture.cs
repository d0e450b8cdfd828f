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

    /// <summary>
    /// Two simulated hours on (so every budget window is empty), an empty request log, a new session to the fake, then
    /// <paramref name="script"/> while simulated time moves.
    /// </summary>
    public ScriptResult RunConnectedInVirtualTime(string script, string connectOptions = "")
    {
        Api.ClearRequests();
        Clock.Advance(TimeSpan.FromHours(2));
        return RunInVirtualTime($"{Connect} {connectOptions}\n{script}");
    }

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
