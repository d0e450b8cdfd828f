using System.Runtime.CompilerServices;
using DefenderPS.Authentication;
using DefenderPS.Conversion;
using DefenderPS.Http;
using DefenderPS.Session;

// The engine's public types that scripts name, such as [DefenderPS.Session.DefenderSession] in a parameter block or
// -is checks, live in DefenderPS's own load context, where PowerShell's type resolution does not look. PowerShell
// does search the module's own assembly, and a forwarder there leads it to the engine's type (loading the engine then,
// not at import). MSAL's and System.Text.Json's types stay out of reach, as they should.
[assembly: TypeForwardedTo(typeof(DefenderSession))]
[assembly: TypeForwardedTo(typeof(AuthenticationKind))]
[assembly: TypeForwardedTo(typeof(DefenderCloud))]
[assembly: TypeForwardedTo(typeof(DefenderApiException))]
[assembly: TypeForwardedTo(typeof(DefenderErrorKind))]
[assembly: TypeForwardedTo(typeof(BudgetScope))]
[assembly: TypeForwardedTo(typeof(CallBudget))]
[assembly: TypeForwardedTo(typeof(AlertSeverity))]
[assembly: TypeForwardedTo(typeof(MachineRiskScore))]
[assembly: TypeForwardedTo(typeof(MachineExposureLevel))]
