using System.Management.Automation;
using DefenderPS.Completion;

namespace DefenderPS.Commands;

/// <summary>Base of the cmdlets that change machines (actions, tags): the machine ids, however they come in.</summary>
public abstract class MachineChangeCmdlet : DefenderActionCmdlet
{
    /// <summary>
    /// Bound by property name, MachineId comes before its aliases: an alert piped in gives its machine; a hunting row
    /// gives its DeviceId.
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id", "DeviceId")]
    [IdStrings]
    [AllowEmptyString]
    [ArgumentCompleter(typeof(MachineIdCompleter))]
    public string[] MachineId { get; set; } = null!;
}
