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
        Assert.Equal(header.IndexOf("Host", StringComparison.Ordinal), row.IndexOf("lt-alice.fabrikam.com", StringComparison.Ordinal));
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

            // Items with a selection condition (the "fetched for" property of the cmdlet that made the object) show only when set.
            foreach (var item in list.Descendants("ListItem").Where(i => i.Element("ItemSelectionCondition") is null))
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

    /// <summary>Every alert, machine and user of the demo tenant, each fetched through a fan-out pipeline.</summary>
    private const string FanOut = """
        Connect-Defender -Demo
        'alice', 'svc-sql', 'bob' | Get-DefenderUserAlert | Out-Default
        'alice', 'carol' | Get-DefenderUserMachine | Out-Default
        'b1b176317556ee9589569acbcefc20a477a0e8e6', 'd407f360ebee2106cb99d711ccfa4b5ab4e0a9be' | Get-DefenderMachineLogonUser | Out-Default
        """;

    private static readonly string[] DemoIds =
    [
        "da639305030079183306_664925027", "da639305044113306125_1249905454", "da639305071286672514_-1481485546",
        "da639305650650481163_378741145", "da639305679197725408_-746431072", "da639305016724470931_-332228819",
        "fae0b3e81d1fea9dc0819e6e57b8d92337f29e21", "b1b176317556ee9589569acbcefc20a477a0e8e6",
        "0d19a03041b77757245534d65692c8d05b6ad1a4", "d407f360ebee2106cb99d711ccfa4b5ab4e0a9be",
        @"fabrikam\carol", @"fabrikam\svc-sql", @"fabrikam\alice",
    ];

    [Theory]
    [InlineData(80)]
    [InlineData(120)]
    public void Ids_are_whole_in_the_alert_machine_and_user_tables(int width)
    {
        var lines = Lines(RenderAt(width, FanOut));

        foreach (var id in DemoIds)
        {
            var idColumn = new System.Text.RegularExpressions.Regex($"^{System.Text.RegularExpressions.Regex.Escape(id)}( |$)");
            Assert.True(lines.Any(idColumn.IsMatch), $"At {width} columns no row starts with the whole id {id}:\n{string.Join("\n", lines)}");
        }

        Assert.All(lines, line => Assert.True(line.Length <= width, $"Wider than {width} columns: {line}"));
    }

    [Theory]
    [InlineData(80)]
    [InlineData(120)]
    public void A_machine_table_starts_after_one_blank_line_and_no_machine_or_user_heading_is_split_over_two_lines(int width)
    {
        var listed = RenderAt(width, "Connect-Defender -Demo\nGet-DefenderMachine -RiskScore High | Out-Default");
        var lines = Lines(RenderAt(width, FanOut + "\nGet-DefenderMachine -RiskScore High | Out-Default"));

        Assert.StartsWith("\nId ", listed);
        var headings = lines.Select((line, index) => (line, index))
            .Where(l => l.line.StartsWith("Id ", StringComparison.Ordinal) && (l.line.Contains(" Risk ", StringComparison.Ordinal) || l.line.Contains(" Admin ", StringComparison.Ordinal)))
            .ToList();
        Assert.NotEmpty(headings);
        Assert.All(headings, h => Assert.True(lines[h.index + 1].StartsWith("-- ", StringComparison.Ordinal), $"The heading under '{h.line}' goes on over two lines at {width} columns:\n{lines[h.index + 1]}"));
    }

    [Theory]
    [InlineData(80)]
    [InlineData(120)]
    public void No_alert_heading_is_split_over_two_lines_even_with_the_widest_severity_and_status(int width)
    {
        // Informational and InProgress are the widest values: at 80 columns they leave the host column five characters.
        var lines = Lines(RenderAt(width, "Connect-Defender -Demo\nGet-DefenderAlert -Severity Informational -Status InProgress, New | Out-Default"));

        var heading = lines.FindIndex(l => l.StartsWith("Id ", StringComparison.Ordinal) && l.Contains(" Severity ", StringComparison.Ordinal));
        Assert.True(heading >= 0, string.Join("\n", lines));
        Assert.Contains(lines, l => l.Contains("Informational InProgress", StringComparison.Ordinal));
        Assert.StartsWith("-- ", lines[heading + 1]);
    }

    [Theory]
    [InlineData(80)]
    [InlineData(120)]
    public void A_machine_action_table_keeps_the_id_whole_and_splits_no_heading_even_with_the_widest_type_and_status(int width)
    {
        var lines = Lines(RenderAt(width, """
            $created = [datetime]::new(2026, 11, 20, 7, 55, 0, [DateTimeKind]::Utc)
            @(
                [pscustomobject]@{ PSTypeName = 'DefenderPS.MachineAction'; Id = '386be49c-cfb4-4da4-9372-27a0f528da43'; Type = 'CollectInvestigationPackage'; Status = 'Succeeded'; ComputerDnsName = 'fs01.fabrikam.com'; CreationDateTimeUtc = $created }
                [pscustomobject]@{ PSTypeName = 'DefenderPS.MachineAction'; Id = '9809abc6-f919-4886-bac7-a49441259685'; Type = 'Isolate'; Status = 'Pending'; ComputerDnsName = 'mbp-heidi'; CreationDateTimeUtc = $created }
            ) | Out-Default
            """));

        var heading = lines.FindIndex(l => l.StartsWith("Id ", StringComparison.Ordinal) && l.Contains(" Type ", StringComparison.Ordinal));
        Assert.True(heading >= 0, string.Join("\n", lines));
        Assert.StartsWith("-- ", lines[heading + 1]);
        Assert.Contains(lines, l => l.StartsWith("386be49c-cfb4-4da4-9372-27a0f528da43 CollectInvestigationPackage Succeeded ", StringComparison.Ordinal));
        Assert.Equal(width >= 120, lines[heading].Contains("Created (UTC)", StringComparison.Ordinal));
    }

    [Fact]
    public void Columns_are_as_wide_as_their_content()
    {
        var lines = Lines(RenderAt(120, FanOut));

        // "High" and "InProgress" are the widest values in alice's alerts; "Medium" in her machines' risk and exposure.
        Assert.Contains(lines, l => l.StartsWith("Id ", StringComparison.Ordinal) && l.Contains("Severity Status     Created (UTC)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Id ", StringComparison.Ordinal) && l.Contains("Risk Exposure Health", StringComparison.Ordinal));
    }

    [Fact]
    public void Rows_of_a_fan_out_pipeline_are_grouped_by_what_they_were_fetched_for()
    {
        var text = RenderAt(120, FanOut + """

            Get-DefenderUserAlert alice | Get-DefenderAlertMachine | Out-Default
            Get-DefenderUserAlert bob | Get-DefenderAlertUser | Out-Default
            """);

        foreach (var heading in new[]
        {
            "   UserName: alice", "   UserName: svc-sql", "   UserName: carol",
            "   MachineId: b1b176317556ee9589569acbcefc20a477a0e8e6", "   MachineId: d407f360ebee2106cb99d711ccfa4b5ab4e0a9be",
            "   AlertId: da639305030079183306_664925027", "   AlertId: da639305071286672514_-1481485546",
            "   AlertId: da639305016724470931_-332228819",
        })
        {
            Assert.Contains(heading + "\n", text);
        }
    }

    [Fact]
    public void Severity_risk_and_exposure_sort_by_rank_and_still_compare_as_names()
    {
        var result = module.Run("""
            Connect-Defender -Demo
            $alerts = 'alice', 'svc-sql', 'bob' | Get-DefenderUserAlert
            $machines = 'alice', 'carol' | Get-DefenderUserMachine
            , $alerts.Severity
            , $machines.RiskScore
            , $machines.ExposureLevel
            ($alerts | Where-Object Severity -in High, Medium).Count
            ($alerts | Where-Object { $_.Severity -eq 'high' }).Count
            "$($alerts[0].Severity) $($machines[0].RiskScore)"
            """).AssertNoErrors();

        // Sort-Object orders by LanguagePrimitives.Compare (not available to this engine, which has only the core cmdlets).
        string[] Sorted(PSObject values) =>
            ((object[])values.BaseObject).Order(Comparer<object>.Create((a, b) => LanguagePrimitives.Compare(a, b))).Select(v => v.ToString()!).ToArray();
        Assert.Equal(["Informational", "Low", "Medium", "High", "High", "High"], Sorted(result.Output[0]));
        Assert.Equal(["None", "Medium", "High", "High", "High"], Sorted(result.Output[1]));
        Assert.Equal(["Low", "Medium", "High", "High", "High"], Sorted(result.Output[2]));
        Assert.Equal(4, result.Output[3].BaseObject);
        Assert.Equal(3, result.Output[4].BaseObject);
        Assert.Equal("High High", result.Output[5].ToString());

        // ConvertTo-Json hands values to Newtonsoft.Json, Export-Csv takes ToString(): both see the name.
        var severity = ((object[])result.Output[0].BaseObject)[0];
        Assert.Equal("\"High\"", Newtonsoft.Json.JsonConvert.SerializeObject(severity));
        Assert.Equal("{\"RiskScore\":\"None\"}", Newtonsoft.Json.JsonConvert.SerializeObject(new Dictionary<string, object> { ["RiskScore"] = ((object[])result.Output[1].BaseObject)[2] }));
        Assert.Equal("High", PSObject.AsPSObject(severity).ToString());
    }

    [Fact]
    public void Nested_objects_read_well_in_tables_and_CSV_files()
    {
        var result = module.Run("""
            Connect-Defender -Demo
            $alert = Get-DefenderUserAlert svc-sql | Where-Object Id -eq 'da639305679197725408_-746431072'
            $commented = Get-DefenderUserAlert alice | Where-Object Id -eq 'da639305030079183306_664925027'
            $fs01 = Get-DefenderUserMachine svc-sql | Where-Object ComputerDnsName -eq 'fs01.fabrikam.com'
            "$($alert.RelatedUser)"
            "$($alert.LoggedOnUsers)"
            "$($commented.Comments[0])"
            "$($fs01.IpAddresses)"
            "$($fs01.VmMetadata)"
            $alert.RelatedUser
            """).AssertNoErrors();

        Assert.Equal(
            [
                @"FABRIKAM\svc-sql",
                @"FABRIKAM\svc-sql FABRIKAM\carol",
                "2026-11-17 09:31 UTC carol@fabrikam.com: alice confirms she opened the invoice attachment. Isolating lt-alice.",
                "10.10.0.12 (00-0D-3A-8B-44-E2) fe80::4c1d:88e2:a07b:3f19 (00-0D-3A-8B-44-E2)",
                "Azure VM b3e6d1f8-5a2c-4b7e-9c04-8f1a6e2d7b53",
                @"FABRIKAM\svc-sql", // PSObject.ToString(), which table cells and Export-Csv use
            ],
            result.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void List_views_show_times_in_UTC_and_say_so()
    {
        var format = XDocument.Load(Path.Combine(ModuleFixture.RepoRoot, "out", "DefenderPS", "DefenderPS.Format.ps1xml"));
        foreach (var type in new[] { "DefenderPS.Alert", "DefenderPS.Machine", "DefenderPS.User" })
        {
            var list = format.Descendants("View").Single(v => v.Element("Name")!.Value == type + ".List");
            var times = list.Descendants("ListItem")
                .Where(i => (i.Element("Label") ?? i.Element("PropertyName"))!.Value is var name && (name.EndsWith("Time", StringComparison.Ordinal) || name.EndsWith("Seen", StringComparison.Ordinal)))
                .ToList();
            Assert.NotEmpty(times);
            foreach (var item in times)
            {
                var script = item.Element("ScriptBlock")?.Value;
                Assert.True(script is not null, $"{type} list view: {item.Element("PropertyName")?.Value} is shown in the current culture, without a time zone");
                var shown = module.Run(Objects + $"{VariableOf[type]} | ForEach-Object {{ {script} }}").AssertNoErrors().Output.Single().ToString();
                Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$", shown);
            }
        }
    }

    private string RenderAt(int width, string script) =>
        module.RunAtWidth(width, script).AssertNoErrors().HostText.Replace("\r", "", StringComparison.Ordinal);

    private static List<string> Lines(string text) => text.Split('\n').Select(l => l.TrimEnd()).ToList();

    private static string ColumnScript(string type, string label)
    {
        var format = XDocument.Load(Path.Combine(ModuleFixture.RepoRoot, "out", "DefenderPS", "DefenderPS.Format.ps1xml"));
        var table = format.Descendants("View").Single(v => v.Element("Name")!.Value == type).Element("TableControl")!;
        var index = table.Descendants("TableColumnHeader").ToList().FindIndex(h => h.Element("Label")?.Value == label);
        return table.Descendants("TableColumnItem").ElementAt(index).Element("ScriptBlock")!.Value;
    }
}
