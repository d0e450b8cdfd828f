using System.Xml;

namespace DefenderPS.HelpBuilder;

/// <summary>Writes command pages as the MAML file PowerShell's Get-Help reads for a binary module.</summary>
internal static class MamlWriter
{
    private const string Msh = "http://msh";
    private const string Maml = "http://schemas.microsoft.com/maml/2004/10";
    private const string Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private const string Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    public static void Write(IEnumerable<CommandPage> pages, string path)
    {
        var settings = new XmlWriterSettings { Indent = true, Encoding = new System.Text.UTF8Encoding(false) };
        using var xml = XmlWriter.Create(path, settings);
        xml.WriteStartDocument();
        xml.WriteStartElement("helpItems", Msh);
        xml.WriteAttributeString("schema", "maml");
        foreach (var page in pages)
        {
            WriteCommand(xml, page);
        }

        xml.WriteEndElement();
        xml.WriteEndDocument();
    }

    private static void WriteCommand(XmlWriter xml, CommandPage page)
    {
        xml.WriteStartElement("command", "command", Command);
        xml.WriteAttributeString("xmlns", "maml", null, Maml);
        xml.WriteAttributeString("xmlns", "command", null, Command);
        xml.WriteAttributeString("xmlns", "dev", null, Dev);

        var dash = page.Name.IndexOf('-');
        xml.WriteStartElement("details", Command);
        xml.WriteElementString("name", Command, page.Name);
        xml.WriteElementString("verb", Command, dash > 0 ? page.Name[..dash] : page.Name);
        xml.WriteElementString("noun", Command, dash > 0 ? page.Name[(dash + 1)..] : "");
        Description(xml, [page.Synopsis]);
        xml.WriteEndElement();

        Description(xml, page.Description);

        xml.WriteStartElement("syntax", Command);
        foreach (var set in page.Syntax.OrderByDescending(s => s.IsDefault))
        {
            xml.WriteStartElement("syntaxItem", Command);
            xml.WriteElementString("name", Maml, page.Name);
            foreach (var name in set.ParameterNames)
            {
                var parameter = page.Parameters.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
                if (parameter is not null)
                {
                    WriteParameter(xml, parameter, parameter.MetadataFor(set.Name), inSyntax: true);
                }
            }

            xml.WriteEndElement();
        }

        xml.WriteEndElement();

        xml.WriteStartElement("parameters", Command);
        foreach (var parameter in page.Parameters)
        {
            WriteParameter(xml, parameter, parameter.MetadataFor(page.Syntax.FirstOrDefault(s => s.IsDefault)?.Name ?? "(All)"), inSyntax: false);
        }

        xml.WriteEndElement();

        TypeNotes(xml, "inputTypes", "inputType", page.Inputs);
        TypeNotes(xml, "returnValues", "returnValue", page.Outputs);

        xml.WriteStartElement("alertSet", Maml);
        xml.WriteStartElement("alert", Maml);
        Paras(xml, page.Notes);
        xml.WriteEndElement();
        xml.WriteEndElement();

        xml.WriteStartElement("examples", Command);
        foreach (var example in page.Examples)
        {
            xml.WriteStartElement("example", Command);
            xml.WriteElementString("title", Maml, $"-------------------------- {example.Title} --------------------------");
            xml.WriteElementString("code", Dev, string.Join("\n\n", example.Code));
            xml.WriteStartElement("remarks", Dev);
            Paras(xml, example.Remarks);
            xml.WriteEndElement();
            xml.WriteEndElement();
        }

        xml.WriteEndElement();

        xml.WriteStartElement("relatedLinks", Command);
        foreach (var (text, uri) in page.Links)
        {
            NavigationLink(xml, text, uri);
        }

        xml.WriteEndElement();
        xml.WriteEndElement();
    }

    private static void WriteParameter(XmlWriter xml, CommandPage.Parameter parameter, Dictionary<string, string> meta, bool inSyntax)
    {
        var type = meta.GetValueOrDefault("Type") ?? "Object";
        var isSwitch = type is "SwitchParameter" or "System.Management.Automation.SwitchParameter";
        var aliases = meta.GetValueOrDefault("Aliases");
        var position = meta.GetValueOrDefault("Position") ?? "Named";
        xml.WriteStartElement("parameter", Command);
        xml.WriteAttributeString("required", Bool(meta.GetValueOrDefault("Required")));
        xml.WriteAttributeString("variableLength", "true");
        xml.WriteAttributeString("globbing", Bool(meta.GetValueOrDefault("Accept wildcard characters")));
        xml.WriteAttributeString("pipelineInput", meta.GetValueOrDefault("Accept pipeline input") ?? "False");
        xml.WriteAttributeString("position", position.Equals("Named", StringComparison.OrdinalIgnoreCase) ? "named" : position);
        xml.WriteAttributeString("aliases", string.IsNullOrWhiteSpace(aliases) ? "none" : aliases);
        xml.WriteElementString("name", Maml, parameter.Name);
        Description(xml, parameter.Description);
        if (!isSwitch)
        {
            xml.WriteStartElement("parameterValue", Command);
            xml.WriteAttributeString("required", "true");
            xml.WriteAttributeString("variableLength", "false");
            xml.WriteString(type);
            xml.WriteEndElement();
        }

        xml.WriteStartElement("type", Dev);
        xml.WriteElementString("name", Maml, type);
        xml.WriteElementString("uri", Maml, "");
        xml.WriteEndElement();
        if (!inSyntax)
        {
            xml.WriteElementString("defaultValue", Dev, meta.GetValueOrDefault("Default value") ?? "None");
        }

        xml.WriteEndElement();
    }

    private static void TypeNotes(XmlWriter xml, string container, string element, List<CommandPage.TypeNote> notes)
    {
        xml.WriteStartElement(container, Command);
        foreach (var note in notes)
        {
            xml.WriteStartElement(element, Command);
            xml.WriteStartElement("type", Dev);
            xml.WriteElementString("name", Maml, note.TypeName);
            xml.WriteEndElement();
            Description(xml, note.Description);
            xml.WriteEndElement();
        }

        xml.WriteEndElement();
    }

    private static void NavigationLink(XmlWriter xml, string text, string uri)
    {
        xml.WriteStartElement("navigationLink", Maml);
        xml.WriteElementString("linkText", Maml, text);
        xml.WriteElementString("uri", Maml, uri);
        xml.WriteEndElement();
    }

    private static void Description(XmlWriter xml, IEnumerable<string> paragraphs)
    {
        xml.WriteStartElement("description", Maml);
        Paras(xml, paragraphs);
        xml.WriteEndElement();
    }

    private static void Paras(XmlWriter xml, IEnumerable<string> paragraphs)
    {
        foreach (var paragraph in paragraphs)
        {
            xml.WriteElementString("para", Maml, paragraph);
        }
    }

    private static string Bool(string? value) => string.Equals(value, "True", StringComparison.OrdinalIgnoreCase) ? "true" : "false";
}
