using System;
using System.Globalization;
using System.Management.Automation;
using DefenderPS.Http;

namespace DefenderPS.Conversion;

/// <summary>
/// Lets a [datetime] parameter take a [DateTimeOffset], a [datetime] of any kind or a date string, and hands the
/// cmdlet the moment in UTC. PowerShell alone would turn a DateTimeOffset into text and lose its offset.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class UtcDateTimeAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        return value switch
        {
            DateTimeOffset offset => offset.UtcDateTime,
            DateTime time => ODataFilterBuilder.ToUtc(time),

            // A string without an offset is local time, as [datetime] casts read it.
            string text when DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var parsed) => parsed.UtcDateTime,
            _ => value,
        };
    }
}
