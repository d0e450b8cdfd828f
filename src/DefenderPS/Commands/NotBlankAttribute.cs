using System;
using System.Management.Automation;

namespace DefenderPS.Commands;

/// <summary>
/// Refuses text that is empty or only white space (a comment, a tag), which the service would record as though it
/// said something. ValidateNotNullOrWhiteSpace does the same, but only from PowerShell 7.4.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class NotBlankAttribute : ValidateArgumentsAttribute
{
    protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
    {
        if (arguments is not string text || text.Trim().Length == 0)
        {
            throw new ValidationMetadataException("The argument is empty or only white space. Give a text that says something.");
        }
    }
}
