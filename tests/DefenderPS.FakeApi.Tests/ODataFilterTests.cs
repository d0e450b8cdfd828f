using System.Text.Json;
using DefenderPS.Demo;

namespace DefenderPS.FakeApi.Tests;

/// <summary>The $filter subset the service documents, evaluated as the demo tenant and the fake evaluate it.</summary>
public sealed class ODataFilterTests
{
    private static readonly JsonElement[] Machines =
    [
        Parse("""{"id":"a1","computerDnsName":"ws-01.contoso.com","lastSeen":"2023-11-20T07:58:12.902114Z","riskScore":"High","healthStatus":"Active","rbacGroupId":1742,"aadDeviceId":null,"machineTags":["Finance","VIP"]}"""),
        Parse("""{"id":"b2","computerDnsName":"o'brien-lt.contoso.com","lastSeen":"2023-11-19T23:40:02Z","riskScore":"Medium","healthStatus":"Inactive","rbacGroupId":1745,"aadDeviceId":"5b1f","machineTags":["VIP"]}"""),
        Parse("""{"id":"c3","computerDnsName":"srv-01.contoso.com","lastSeen":"2023-11-01T00:00:00Z","riskScore":"Low","healthStatus":"Active","rbacGroupId":1745,"aadDeviceId":null,"machineTags":[]}"""),
    ];

    [Theory]
    [InlineData("riskScore eq 'High'", "a1")]
    [InlineData("riskScore ne 'High'", "b2 c3")]
    [InlineData("rbacGroupId gt 1742", "b2 c3")]
    [InlineData("rbacGroupId ge 1742", "a1 b2 c3")]
    [InlineData("rbacGroupId lt 1745", "a1")]
    [InlineData("rbacGroupId le 1745", "a1 b2 c3")]
    [InlineData("lastSeen gt 2023-11-19T23:40:02Z", "a1")]
    [InlineData("lastSeen ge 2023-11-19T23:40:02Z", "a1 b2")]
    [InlineData("lastSeen lt 2023-11-19T23:40:02Z", "c3")]
    [InlineData("lastSeen le 2023-11-19T23:40:02.0000000+00:00", "b2 c3")]
    [InlineData("lastSeen ge 2023-11-20", "a1")]
    [InlineData("healthStatus eq 'Active' and riskScore eq 'Low'", "c3")]
    [InlineData("riskScore eq 'Low' or riskScore eq 'High'", "a1 c3")]
    [InlineData("healthStatus eq 'Active' and (riskScore eq 'Low' or riskScore eq 'Medium')", "c3")]
    [InlineData("healthStatus eq 'Active' and riskScore eq 'Low' or riskScore eq 'Medium'", "b2 c3")] // and binds tighter
    [InlineData("startswith(computerDnsName,'srv-')", "c3")]
    [InlineData("startswith(computerDnsName, 'O''Brien')", "b2")]
    [InlineData("machineTags/any(tag: tag eq 'VIP')", "a1 b2")]
    [InlineData("machineTags/any(t: t eq 'Finance' or t eq 'Nope')", "a1")]
    [InlineData("machineTags/any(t: startswith(t, 'Fin'))", "a1")]
    [InlineData("machineTags/any()", "a1 b2")]
    [InlineData("aadDeviceId eq null", "a1 c3")]
    [InlineData("aadDeviceId ne null", "b2")]
    [InlineData("RISKSCORE eq 'high'", "a1")] // names and string values compare case-insensitively
    [InlineData("computerDnsName eq 'o''brien-lt.contoso.com'", "b2")]
    [InlineData("computerDnsName eq 'ws-01.contoso.com'' or ''1'' eq ''1'", "")] // an escaped injection stays one value
    public void Each_operator_selects_what_it_should(string filter, string expectedIds) =>
        Assert.Equal(expectedIds, Select(filter));

    [Theory]
    [InlineData("computerDnsName eq 'x' or 1 eq 1", "expected a property name")] // an unescaped injection fails instead of widening
    [InlineData("computerDnsName eq 'o'brien-lt.contoso.com'", "unexpected 'brien'")]
    [InlineData("title eq 'x'", "The property 'title' cannot be used in $filter on Machines")]
    [InlineData("nosuch eq 'x'", "The property 'nosuch' cannot be used")]
    [InlineData("lastSeen gt '2023-11-01T00:00:00Z'", "incompatible types")]
    [InlineData("riskScore eq High", "expected a value")]
    [InlineData("rbacGroupId eq '1745'", "incompatible types")]
    [InlineData("riskScore eq 'High", "not closed")]
    [InlineData("contains(computerDnsName,'x')", "The function 'contains'")]
    [InlineData("machineTags eq 'VIP'", "is a collection")]
    [InlineData("riskScore like 'High'", "expected eq, ne, gt, ge, lt or le")]
    [InlineData("riskScore eq 'High' and", "found the end of the filter")]
    [InlineData("(riskScore eq 'High'", "expected ')'")]
    [InlineData("riskScore eq 'High' riskScore", "unexpected 'riskScore'")]
    [InlineData("lastSeen gt 2023-13-45T00:00:00Z", "neither a number nor an ISO 8601 date")]
    [InlineData("not riskScore eq 'High'", "The property 'not' cannot be used")]
    [InlineData("riskScore eq 'High' && true", "unexpected character '&'")]
    [InlineData("", "empty")]
    public void A_filter_the_service_would_refuse_throws_an_ODataError_naming_the_problem(string filter, string expected)
    {
        var error = Assert.Throws<ODataQueryException>(() => ODataFilter.Parse(filter, "Machines", EntitySet.MachineFilterable));

        Assert.Equal("ODataError", error.Code);
        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData("alertCreationTime ge 2023-11-01T00:00:00Z and severity eq 'High'")]
    [InlineData("incidentId eq 1371")]
    [InlineData("investigationId eq null")]
    [InlineData("lastUpdateTime lt 2024-01-01T00:00:00.5+01:00")]
    [InlineData("id eq 'da1' or assignedTo eq 'secops@contoso.com' or detectionSource eq 'CustomDetection' or category eq 'Malware' or status ne 'Resolved' or lastEventTime gt 2023-01-01T00:00:00Z")]
    public void Every_documented_alert_property_is_filterable(string filter) =>
        ODataFilter.Parse(filter, "Alerts", EntitySet.AlertFilterable);

    private static string Select(string filter)
    {
        var parsed = ODataFilter.Parse(filter, "Machines", EntitySet.MachineFilterable);
        return string.Join(" ", Machines.Where(parsed.Matches).Select(m => m.GetProperty("id").GetString()));
    }

    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement.Clone();
}
