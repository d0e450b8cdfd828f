namespace DefenderPS.Tests.Infrastructure;

/// <summary>What some binary modules' cmdlets do: block on async code that resumes on the caller's context.</summary>
public static class SyncOverAsync
{
    public static int Run() => RunAsync().GetAwaiter().GetResult();

    private static async Task<int> RunAsync()
    {
        await Task.Delay(1);
        return 42;
    }
}
