using System.Management.Automation;
using System.Xml.Linq;
using DefenderPS.Tests.Infrastructure;

namespace DefenderPS.Tests;

/// <summary>An analyst looks at what the cmdlets return: tables, lists, and objects dropped into strings.</summary>
public sealed class ViewTests(ModuleFixture module) : IClassFixture<ModuleFixture>
{
    private const string AliceAlert = "da639305030079183306_664925027";

    /// <summary>One object of each type, from the demo tenant: $alert, $machine, $user, $session.</summary>
    private const string Objects = $"""
        Connect-Defender -Demo
        $alert = Get-DefenderUserAlert alice | Where-Object Id -eq '{AliceAlert}'
        $machine = $alert | Get-DefenderAlertMachine
        $user = $alert | Get-DefenderAlertUser
        $session = Get-DefenderSession

        """;

    private static readonly string[] Types = ["DefenderPS.Alert", "DefenderPS.Machine", "DefenderPS.User", "DefenderPS.Session.DefenderSession"];

    private static readonly Dictionary<string, string> VariableOf = new()
    {
        ["DefenderPS.Alert"] = "$alert",
        ["DefenderPS.Machine"] = "$machine",
        ["DefenderPS.User"] = "$user",
        ["DefenderPS.Session.DefenderSession"] = "$session",
    };

    [Fact]
    public void Objects_read_well_in_strings()
    {
        var result = module.Run(Objects + """
            "Alert: $alert"
            "Machine: $machine"
            "User: $user"
            "Session: $session"
            """).AssertNoErrors();

        Assert.Equal(
            [
                $"Alert: {AliceAlert} High Suspicious behavior by an Office application",
                "Machine: lt-alice.fabrikam.com (fae0b3e81d1fea9dc0819e6e57b8d92337f29e21)",
                @"User: fabrikam\alice",
                "Session: DefenderSession(Demo fabrikam.com -> https://demo.defenderps.invalid/)",
            ],
            result.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void The_alert_table_lines_up_severity_and_status_under_their_headings()
    {
        var result = module.Run(Objects + "$alert | Out-Default").AssertNoErrors();

        var lines = result.HostText.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var header = lines.Single(l => l.Contains("Severity") && l.Contains("Status"));
        var row = lines.Single(l => l.Contains(AliceAlert));
        Assert.Equal(header.IndexOf("Severity", StringComparison.Ordinal), row.IndexOf("High ", StringComparison.Ordinal));
        Assert.Equal(header.IndexOf("Status", StringComparison.Ordinal), row.IndexOf("InProgress", StringComparison.Ordinal));
        Assert.Equal(header.IndexOf("Computer", StringComparison.Ordinal), row.IndexOf("lt-alice.fabrikam.com", StringComparison.Ordinal));
    }

    [Fact]
    public void Severity_and_status_are_coloured_where_PSStyle_exists_and_plain_where_it_does_not()
    {
        var severity = ColumnScript("DefenderPS.Alert", "Severity");
        var status = ColumnScript("DefenderPS.Alert", "Status");

        var result = module.Run(Objects + """
            $alert | ForEach-Object ([scriptblock]::Create($severity))
            $alert | ForEach-Object ([scriptblock]::Create($status))
            & {
                $PSStyle = $null   # as on Windows PowerShell 5.1, which has no $PSStyle
                $alert | ForEach-Object ([scriptblock]::Create($severity))
                $alert | ForEach-Object ([scriptblock]::Create($status))
            }
            """, new Dictionary<string, object?> { ["severity"] = severity, ["status"] = status }).AssertNoErrors();

        Assert.Equal(["\e[91mHigh\e[0m", "\e[33mInProgress\e[0m", "High", "InProgress"], result.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void Format_List_without_a_star_stays_short_but_every_property_is_still_there()
    {
        foreach (var type in Types)
        {
            var result = module.Run(Objects + $"""
                {VariableOf[type]}.PSStandardMembers.DefaultDisplayPropertySet.ReferencedPropertyNames
                '--'
                {VariableOf[type]}.PSObject.Properties.Name
                """).AssertNoErrors();

            var names = result.Output.Select(o => o.ToString()).ToList();
            var shown = names[..names.IndexOf("--")];
            var all = names[(names.IndexOf("--") + 1)..];
            Assert.InRange(shown.Count, 5, 10);
            Assert.All(shown, name => Assert.Contains(name, all));
            Assert.True(all.Count > shown.Count, $"{type}: all properties stay on the object");
        }
    }

    [Fact]
    public void Every_type_has_a_table_view_and_a_list_view_whose_items_exist_on_real_objects()
    {
        var format = XDocument.Load(Path.Combine(ModuleFixture.RepoRoot, "out", "DefenderPS", "DefenderPS.Format.ps1xml"));
        foreach (var type in Types)
        {
            var views = format.Descendants("View").Where(v => v.Element("ViewSelectedBy")!.Elements("TypeName").Any(name => name.Value == type)).ToList();
            Assert.Single(views, v => v.Element("TableControl") is not null);
            var list = Assert.Single(views, v => v.Element("ListControl") is not null);

            foreach (var item in list.Descendants("ListItem"))
            {
                var property = item.Element("PropertyName")?.Value;
                var script = item.Element("ScriptBlock")?.Value;
                var result = module.Run(Objects + (property is not null
                    ? $"{VariableOf[type]}.PSObject.Properties['{property}'] -ne $null"
                    : $"{VariableOf[type]} | ForEach-Object {{ {script} }}")).AssertNoErrors();
                if (property is not null)
                {
                    Assert.True(result.Output.Single().BaseObject is true, $"{type} list view: {property} is not a property of a real object");
                }
            }
        }
    }

    [Fact]
    public void The_session_shows_as_a_list_by_default()
    {
        var result = module.Run("Connect-Defender -Demo; Get-DefenderSession | Out-Default").AssertNoErrors();

        Assert.Matches(@"AuthenticationKind\s+: Demo", result.HostText);
        Assert.Matches(@"CallsLeftThisMinute\s+: \d+", result.HostText);
    }

    private static string ColumnScript(string type, string label)
    {
        var format = XDocument.Load(Path.Combine(ModuleFixture.RepoRoot, "out", "DefenderPS", "DefenderPS.Format.ps1xml"));
        var table = format.Descendants("View").Single(v => v.Element("Name")!.Value == type).Element("TableControl")!;
        var index = table.Descendants("TableColumnHeader").ToList().FindIndex(h => h.Element("Label")?.Value == label);
        return table.Descendants("TableColumnItem").ElementAt(index).Element("ScriptBlock")!.Value;
    }
}
