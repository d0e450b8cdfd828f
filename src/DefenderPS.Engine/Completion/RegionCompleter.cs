using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using DefenderPS.Authentication;

namespace DefenderPS.Completion;

/// <summary>Completes Connect-Defender -Region from the one list of regional hosts (<see cref="CloudTable.Regions"/>).</summary>
public sealed class RegionCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
        return CloudTable.Regions
            .Where(region => region.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .OrderBy(region => region, StringComparer.Ordinal)
            .Select(region => new CompletionResult(region, region, CompletionResultType.ParameterValue, CloudTable.RegionalApiRoot(region).Host));
    }
}
