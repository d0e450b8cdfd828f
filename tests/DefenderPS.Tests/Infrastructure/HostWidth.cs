namespace DefenderPS.Tests.Infrastructure;

public static class HostWidth
{
    /// <summary>
    /// Runs a script with the host <paramref name="width"/> columns wide, as a terminal or a -File log of that width
    /// shows format views and help, and puts the width back afterwards for the other tests sharing the runspace.
    /// </summary>
    public static ScriptResult RunAtWidth(this ModuleFixture module, int width, string script) =>
        module.Run($$"""
            $rawUI = $Host.UI.RawUI
            $buffer, $window = $rawUI.BufferSize, $rawUI.WindowSize
            try {
                $rawUI.BufferSize = [System.Management.Automation.Host.Size]::new({{width}}, $buffer.Height)
                $rawUI.WindowSize = [System.Management.Automation.Host.Size]::new({{width}}, $window.Height)
                {{script}}
            } finally {
                $rawUI.BufferSize, $rawUI.WindowSize = $buffer, $window
            }
            """);
}
