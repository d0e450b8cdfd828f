using System.Globalization;
using System.Runtime.InteropServices;

namespace DefenderPS.FakeApi;

/// <summary>
/// Runs the fake as a process for people and Pester: prints <c>FAKE_API_URL=</c>, <c>FAKE_API_TOKEN=</c> and
/// <c>FAKE_API_GRAPH_TOKEN=</c> lines, then serves until stdin closes (the parent went away) or Ctrl+C / SIGTERM. Faults are scripted
/// and the request log read over HTTP (see <see cref="ControlEndpoints"/>).
/// </summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        var options = new FakeApiOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--port" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port):
                    options.Port = port;
                    break;
                case "--recordings" when value is not null:
                    options.RecordingsDirectory = value;
                    break;
                case "--token" when value is not null:
                    options.AccessToken = value;
                    break;
                case "--graph-token" when value is not null:
                    options.GraphAccessToken = value;
                    break;
                default:
                    await Console.Error.WriteLineAsync("usage: DefenderPS.FakeApi [--port N] [--recordings DIR] [--token T] [--graph-token T]");
                    return 2;
            }

            i++;
        }

        await using var api = await FakeDefenderApi.StartAsync(options);
        Console.Out.WriteLine($"FAKE_API_URL={api.BaseUri}");
        Console.Out.WriteLine($"FAKE_API_TOKEN={api.AccessToken}");
        Console.Out.WriteLine($"FAKE_API_GRAPH_TOKEN={api.GraphAccessToken}");
        Console.Out.Flush();

        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        var stdinClosed = Task.Run(() => Console.OpenStandardInput().CopyTo(Stream.Null));
        await Task.WhenAny(stop.Task, stdinClosed);
        return 0;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.TrySetResult();
        }
    }
}
