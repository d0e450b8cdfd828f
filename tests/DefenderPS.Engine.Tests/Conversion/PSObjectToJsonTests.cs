using System.Collections;
using System.Collections.Specialized;
using System.Management.Automation;
using System.Text;
using DefenderPS.Conversion;

namespace DefenderPS.Engine.Tests.Conversion;

/// <summary>Request bodies as PowerShell users write them become the JSON the API reads, keys kept as given.</summary>
public sealed class PSObjectToJsonTests
{
    private static string Json(object body) => Encoding.UTF8.GetString(PSObjectToJson.Serialize(body));

    [Fact]
    public void An_ordered_hashtable_keeps_its_keys_their_case_and_their_order()
    {
        var body = new OrderedDictionary { ["Comment"] = "Contain", ["IsolationType"] = "Full", ["Count"] = 3, ["Force"] = true, ["Tags"] = new object[] { "a", 1 } };

        Assert.Equal("""{"Comment":"Contain","IsolationType":"Full","Count":3,"Force":true,"Tags":["a",1]}""", Json(body));
    }

    [Fact]
    public void A_custom_object_writes_its_properties_and_nested_values()
    {
        var inner = new PSObject();
        inner.Properties.Add(new PSNoteProperty("userName", "user1"));
        var body = new PSObject();
        body.Properties.Add(new PSNoteProperty("status", "Resolved"));
        body.Properties.Add(new PSNoteProperty("user", inner));
        body.Properties.Add(new PSNoteProperty("when", new DateTimeOffset(2026, 1, 5, 10, 0, 0, TimeSpan.FromHours(1))));
        body.Properties.Add(new PSNoteProperty("none", null));

        Assert.Equal("""{"status":"Resolved","user":{"userName":"user1"},"when":"2026-01-05T09:00:00Z","none":null}""", Json(body));
    }

    [Fact]
    public void JSON_text_is_sent_as_written_and_text_that_is_not_JSON_is_refused()
    {
        Assert.Equal("""{"alertIds":["a"]}""", Json(PSObject.AsPSObject("""{"alertIds":["a"]}""")));
        Assert.Throws<ArgumentException>(() => Json("{status: New"));
    }

    [Fact]
    public void A_body_that_contains_itself_is_refused_instead_of_recursing_for_ever()
    {
        var body = new Hashtable();
        body["self"] = body;

        Assert.Throws<ArgumentException>(() => Json(body));
    }
}
