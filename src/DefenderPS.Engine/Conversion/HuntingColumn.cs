using System;
using System.Collections.Generic;
using System.Text;

namespace DefenderPS.Conversion;

/// <summary>What a hunting result column's values become in PowerShell.</summary>
internal enum HuntingColumnType
{
    /// <summary>String, Guid and any type this module does not know: the value as text.</summary>
    String,
    DateTime,
    Int,
    Long,
    Boolean,
    Real,
    Decimal,
    TimeSpan,

    /// <summary>JSON objects and arrays, sent as values or as JSON text in a string.</summary>
    Dynamic,
}

/// <summary>One column of a hunting query's <c>schema</c>: its name as the query returns it and its type.</summary>
internal sealed class HuntingColumn
{
    // Kusto's names and the .NET names some samples show (Int64, Object, SByte for bool), compared without case.
    private static readonly Dictionary<string, HuntingColumnType> TypesByName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["DateTime"] = HuntingColumnType.DateTime,
        ["Date"] = HuntingColumnType.DateTime,
        ["Int"] = HuntingColumnType.Int,
        ["Int32"] = HuntingColumnType.Int,
        ["Long"] = HuntingColumnType.Long,
        ["Int64"] = HuntingColumnType.Long,
        ["Boolean"] = HuntingColumnType.Boolean,
        ["Bool"] = HuntingColumnType.Boolean,
        ["SByte"] = HuntingColumnType.Boolean,
        ["Real"] = HuntingColumnType.Real,
        ["Double"] = HuntingColumnType.Real,
        ["Decimal"] = HuntingColumnType.Decimal,
        ["TimeSpan"] = HuntingColumnType.TimeSpan,
        ["Dynamic"] = HuntingColumnType.Dynamic,
        ["Object"] = HuntingColumnType.Dynamic,
    };

    public HuntingColumn(string name, string typeName)
    {
        Name = name;
        TypeName = typeName;
        Type = TypesByName.TryGetValue(typeName, out var type) ? type : HuntingColumnType.String;
        Utf8Name = Encoding.UTF8.GetBytes(name);
    }

    public string Name { get; }

    /// <summary>The type as the service named it (<c>DateTime</c>, <c>Long</c>, <c>Dynamic</c>...).</summary>
    public string TypeName { get; }

    public HuntingColumnType Type { get; }

    /// <summary>The name's UTF-8 bytes, to find a row's column without making a string per value.</summary>
    internal byte[] Utf8Name { get; }
}
