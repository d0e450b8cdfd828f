using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;
using System.Text.RegularExpressions;

namespace DefenderPS.Hosting;

/// <summary>
/// A minimal non-interactive PowerShell host that renders Out-Default (the format views) into a
/// <see cref="TextWriter"/>, with ANSI escape sequences removed. Used by the demo program and the tests.
/// Prompts fail, as in any non-interactive host, unless a chooser answers confirmation prompts (tests of -Confirm).
/// </summary>
public sealed partial class TextHost : PSHost
{
    private readonly TextHostUserInterface _ui;

    /// <param name="chooser">Answers a choice prompt (caption, message, the choices' labels) with the index of a choice; null fails every prompt.</param>
    public TextHost(TextWriter writer, int width = 160, Func<string, string, IReadOnlyList<string>, int>? chooser = null) =>
        _ui = new TextHostUserInterface(writer, width, chooser);

    public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;

    public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;

    public override Guid InstanceId { get; } = Guid.NewGuid();

    public override string Name => "DefenderPS.TextHost";

    public override PSHostUserInterface UI => _ui;

    public override Version Version => new(1, 0);

    public override void EnterNestedPrompt() => throw new NotSupportedException();

    public override void ExitNestedPrompt() => throw new NotSupportedException();

    public override void NotifyBeginApplication()
    {
    }

    public override void NotifyEndApplication()
    {
    }

    public override void SetShouldExit(int exitCode)
    {
    }

    private sealed partial class TextHostUserInterface(TextWriter writer, int width, Func<string, string, IReadOnlyList<string>, int>? chooser) : PSHostUserInterface
    {
        public override PSHostRawUserInterface RawUI { get; } = new TextHostRawUserInterface(width);

        public override void Write(string value) => writer.Write(StripAnsi(value));

        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Write(value);

        public override void WriteLine(string value) => writer.WriteLine(StripAnsi(value));

        public override void WriteErrorLine(string value) => writer.WriteLine("ERROR: " + StripAnsi(value));

        public override void WriteDebugLine(string message) => writer.WriteLine("DEBUG: " + message);

        public override void WriteVerboseLine(string message) => writer.WriteLine("VERBOSE: " + message);

        public override void WriteWarningLine(string message) => writer.WriteLine("WARNING: " + message);

        public override void WriteProgress(long sourceId, ProgressRecord record)
        {
        }

        public override string ReadLine() => throw new NotSupportedException("This host is not interactive.");

        public override SecureString ReadLineAsSecureString() => throw new NotSupportedException("This host is not interactive.");

        public override Dictionary<string, PSObject> Prompt(string caption, string message, System.Collections.ObjectModel.Collection<FieldDescription> descriptions) =>
            throw new NotSupportedException("This host is not interactive.");

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) =>
            throw new NotSupportedException("This host is not interactive.");

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) =>
            throw new NotSupportedException("This host is not interactive.");

        public override int PromptForChoice(string caption, string message, System.Collections.ObjectModel.Collection<ChoiceDescription> choices, int defaultChoice) =>
            chooser?.Invoke(caption, message, choices.Select(choice => choice.Label).ToList())
                ?? throw new NotSupportedException("This host is not interactive.");

        [GeneratedRegex("\u001b\\[[0-9;?]*[A-Za-z]")]
        private static partial Regex Ansi();

        private static string StripAnsi(string value) => Ansi().Replace(value, string.Empty);
    }

    private sealed class TextHostRawUserInterface(int width) : PSHostRawUserInterface
    {
        public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;

        public override Size BufferSize { get; set; } = new(width, 9999);

        public override Coordinates CursorPosition { get; set; }

        public override int CursorSize { get; set; }

        public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.White;

        public override bool KeyAvailable => false;

        public override Size MaxPhysicalWindowSize => new(width, 9999);

        public override Size MaxWindowSize => new(width, 9999);

        public override Coordinates WindowPosition { get; set; }

        public override Size WindowSize { get; set; } = new(width, 50);

        public override string WindowTitle { get; set; } = "DefenderPS";

        public override void FlushInputBuffer()
        {
        }

        public override BufferCell[,] GetBufferContents(Rectangle rectangle) => throw new NotSupportedException();

        public override KeyInfo ReadKey(ReadKeyOptions options) => throw new NotSupportedException("This host is not interactive.");

        public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) => throw new NotSupportedException();

        public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) => throw new NotSupportedException();

        public override void SetBufferContents(Rectangle rectangle, BufferCell fill) => throw new NotSupportedException();
    }
}
