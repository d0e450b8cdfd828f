using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Runtime.CompilerServices;

namespace DefenderPS.Commands;

/// <summary>
/// On an id parameter (<c>string[]</c>): lets id strings and whole numbers through, and marks any other object, so that
/// <see cref="DefenderApiCmdlet"/> refuses it with <c>DefenderPS.InvalidId</c> instead of sending its text (a machine piped
/// to a user-name parameter would otherwise be sent as <c>ws-bob.fabrikam.com (…)</c>, a hashtable as
/// <c>System.Collections.Hashtable</c>).
/// </summary>
/// <remarks>
/// PowerShell transforms before it converts. Binding a pipeline object by value without conversion then fails on the mark
/// (it is no string), so binding by property name still gets its turn, and an alert piped in still binds its <c>Id</c>.
/// Only an object with no property to bind reaches the converting pass, where the mark becomes a string this class
/// remembers by reference: no string a user types can be mistaken for it.
/// Whole numbers pass because PowerShell parses an unquoted <c>12345</c> on the command line as an int, and its text
/// is exactly what was typed; a <see cref="Guid"/> passes as the machine action id it is.
/// </remarks>
[AttributeUsage(AttributeTargets.Property)]
public sealed class IdStringsAttribute : ArgumentTransformationAttribute
{
    private static readonly ConditionalWeakTable<string, RefusedObject> Refused = new();

    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        // A list (ids given as arguments) binds element by element, so its elements are judged one by one.
        if (Unwrap(inputData) is IList items and not IDictionary)
        {
            var marked = new object?[items.Count];
            var anyRefused = false;
            for (var i = 0; i < items.Count; i++)
            {
                marked[i] = Mark(items[i]);
                anyRefused |= marked[i] is RefusedObject;
            }

            return anyRefused ? marked : inputData;
        }

        return Mark(inputData);
    }

    /// <summary>The object that an id bound by this attribute stands for, when it was refused; null for a real id.</summary>
    internal static object? RefusedObjectOf(string? id) =>
        id is not null && Refused.TryGetValue(id, out var refused) ? refused.Value : null;

    private static object? Mark(object? item) => Unwrap(item) switch
    {
        null or string or char or Guid => item,
        byte or sbyte or short or ushort or int or uint or long or ulong => item,
        _ => new RefusedObject(item!),
    };

    private static object? Unwrap(object? item) => item is PSObject wrapped ? wrapped.BaseObject : item;

    /// <summary>The parameter names an object's properties can bind to this parameter by: its name and aliases.</summary>
    internal static IReadOnlyList<string> PropertyNamesThatBind(ParameterMetadata parameter)
    {
        var names = new List<string>();
        foreach (ParameterSetMetadata set in parameter.ParameterSets.Values)
        {
            if (set.ValueFromPipelineByPropertyName)
            {
                names.Add(parameter.Name);
                names.AddRange(parameter.Aliases);
                break;
            }
        }

        return names;
    }

    /// <summary>What a user would call the type of <paramref name="value"/>: its PowerShell type name, such as DefenderPS.Machine.</summary>
    internal static string TypeNameOf(object value) =>
        value is PSObject wrapped && wrapped.TypeNames.Count > 0 ? wrapped.TypeNames[0] : value.GetType().FullName!;

    /// <summary>An object given where an id belongs; what PowerShell converts it to is a string that only this class knows.</summary>
    private sealed class RefusedObject(object value)
    {
        public object Value { get; } = value;

        public override string ToString()
        {
            // A fresh instance (never the interned literal), so the lookup by reference finds this one alone.
            var text = new string(TypeNameOf(Value).ToCharArray());
            Refused.Add(text, this);
            return text;
        }
    }
}
