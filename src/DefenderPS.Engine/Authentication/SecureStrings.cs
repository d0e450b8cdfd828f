using System.Runtime.InteropServices;
using System.Security;

namespace DefenderPS.Authentication;

/// <summary>The one place a SecureString becomes a string: only where a header or MSAL needs the text.</summary>
internal static class SecureStrings
{
    public static string ToPlainText(SecureString secret)
    {
        var pointer = Marshal.SecureStringToGlobalAllocUnicode(secret);
        try
        {
            return Marshal.PtrToStringUni(pointer) ?? string.Empty;
        }
        finally
        {
            Marshal.ZeroFreeGlobalAllocUnicode(pointer);
        }
    }
}
