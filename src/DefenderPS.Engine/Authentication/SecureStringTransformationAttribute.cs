using System;
using System.Management.Automation;
using System.Security;

namespace DefenderPS.Authentication;

/// <summary>Lets -AccessToken take the plain strings that older token helpers return, as well as a SecureString.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class SecureStringTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        if (value is string plain)
        {
            var secure = new SecureString();
            foreach (var c in plain)
            {
                secure.AppendChar(c);
            }

            secure.MakeReadOnly();
            return secure;
        }

        return value;
    }
}
