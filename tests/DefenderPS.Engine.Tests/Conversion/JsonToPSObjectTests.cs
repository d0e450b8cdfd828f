using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Text;
using System.Text.Json;
using DefenderPS.Conversion;

namespace DefenderPS.Engine.Tests.Conversion;

/// <summary>
/// API JSON as PowerShell sees it: PascalCase note properties, UTC [datetime]s, nested PSObjects and object[]s.
/// All of it is read straight off the PSObjects, with no runspace anywhere.
/// </summary>
public sealed class JsonToPSObjectTests
{
    [Fact]
    public void Properties_are_read_without_any_runspace()
    {
        var user = Entity("""{"id":"contoso\\user1"}""");

        Assert.Null(Runspace.DefaultRunspace);
        Assert.Equal(@"contoso\user1", user.Properties["Id"].Value);
    }

    [Theory]
    [InlineData("id", "Id")]
    [InlineData("alertCreationTime", "AlertCreationTime")]
    [InlineData("aadUserId", "AadUserId")]
    [InlineData("x", "X")]
    [InlineData("Already", "Already")]
    [InlineData("_underscore", "_underscore")]
    [InlineData("1st", "1st")]
    [InlineData("éclair", "Éclair")]
    public void A_property_name_gets_a_capital_first_letter_and_nothing_else_changes(string jsonName, string expected)
    {
        var entity = Entity($$"""{"{{jsonName}}":1}""");

        Assert.Equal([expected], Names(entity));
    }

    [Fact]
    public void An_escaped_property_name_is_unescaped_before_it_is_capitalised()
    {
        var entity = Entity("""{"\u0069d":1,"first\u004eame":2}""");

        Assert.Equal(["Id", "FirstName"], Names(entity));
    }

    [Fact]
    public void Properties_keep_the_order_of_the_json()
    {
        var entity = Entity("""{"zeta":1,"alpha":2,"mid":3}""");

        Assert.Equal(["Zeta", "Alpha", "Mid"], Names(entity));
    }

    [Fact]
    public void OData_annotations_are_left_out()
    {
        var entity = Entity("""{"@odata.context":"https://api/$metadata#Users/$entity","@odata.etag":"W/\"1\"","id":"user1"}""");

        Assert.Equal(["Id"], Names(entity));
    }

    [Fact]
    public void A_property_the_module_does_not_know_passes_through()
    {
        var entity = Entity("""{"id":"a","someFutureField":{"level":"high"},"anotherNewOne":[1,2]}""");

        Assert.Equal(["Id", "SomeFutureField", "AnotherNewOne"], Names(entity));
        Assert.Equal("high", Nested(entity, "SomeFutureField").Properties["Level"].Value);
    }

    [Fact]
    public void An_entity_gets_its_DefenderPS_type_name_first_and_stays_a_custom_object()
    {
        Assert.Equal("DefenderPS.Alert", Entity("{}", EntityKind.Alert).TypeNames[0]);
        Assert.Equal("DefenderPS.Machine", Entity("{}", EntityKind.Machine).TypeNames[0]);

        var user = Entity("{}", EntityKind.User);
        Assert.Equal(["DefenderPS.User", "System.Management.Automation.PSCustomObject", "System.Object"], user.TypeNames);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("42")]
    [InlineData("\"text\"")]
    [InlineData("null")]
    public void An_entity_that_is_not_a_json_object_is_refused(string json)
    {
        var error = Assert.Throws<JsonException>(() => Entity(json, EntityKind.Machine));

        Assert.Equal("Expected a JSON object for an entity of type Machine.", error.Message);
    }

    [Theory]
    [InlineData("""{"id":""")]
    [InlineData("""{"id" 1}""")]
    [InlineData("""{"id":1,}""")]
    [InlineData("""{id:1}""")]
    [InlineData("")]
    public void Malformed_json_throws(string json)
    {
        Assert.ThrowsAny<JsonException>(() => Entity(json));
    }

    [Theory]
    [InlineData("2020-01-05T06:58:34Z", 0)]
    [InlineData("2020-01-05T06:58:34.1Z", 1_000_000)]
    [InlineData("2020-01-05T06:58:34.12Z", 1_200_000)]
    [InlineData("2020-01-05T06:58:34.123Z", 1_230_000)]
    [InlineData("2020-01-05T06:58:34.1234Z", 1_234_000)]
    [InlineData("2020-01-05T06:58:34.12345Z", 1_234_500)]
    [InlineData("2020-01-05T06:58:34.123456Z", 1_234_560)]
    [InlineData("2020-01-05T06:58:34.1234567Z", 1_234_567)]
    public void A_timestamp_with_zero_to_seven_fractional_digits_becomes_an_exact_utc_datetime(string json, long fractionTicks)
    {
        var expected = new DateTime(2020, 1, 5, 6, 58, 34, DateTimeKind.Utc).AddTicks(fractionTicks);

        var time = Assert.IsType<DateTime>(Value($"\"{json}\""));

        Assert.Equal(expected, time);
        Assert.Equal(DateTimeKind.Utc, time.Kind);
    }

    [Theory]
    [InlineData("2020-01-05T08:58:34+02:00")]
    [InlineData("2020-01-05T01:58:34-05:00")]
    [InlineData("2020-01-05T06:58:34")]
    [InlineData("2020-01-05T06:58:34.0000000Z")]
    public void A_timestamp_with_an_offset_or_none_is_the_same_utc_moment(string json)
    {
        var time = Assert.IsType<DateTime>(Value($"\"{json}\""));

        Assert.Equal(new DateTime(2020, 1, 5, 6, 58, 34, DateTimeKind.Utc), time);
        Assert.Equal(DateTimeKind.Utc, time.Kind);
    }

    [Theory]
    [InlineData("2020-01-05")]
    [InlineData("06:58:34")]
    [InlineData("2020-13-45T06:58:34Z")]
    [InlineData("2020-01-05T06:58")]
    [InlineData("on 2020-01-05T06:58:34Z")]
    [InlineData("1234-56-78T90:12 is an id, not a date")]
    [InlineData("High")]
    public void Text_that_is_not_a_full_valid_timestamp_stays_a_string(string text)
    {
        Assert.Equal(text, Value(JsonSerializer.Serialize(text)));
    }

    [Fact]
    public void A_string_is_unescaped()
    {
        Assert.Equal("line\nbreak \"quoted\" é", Value("\"line\\nbreak \\\"quoted\\\" \\u00e9\""));
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("42", 42)]
    [InlineData("-7", -7)]
    [InlineData("2147483647", int.MaxValue)]
    public void A_whole_number_that_fits_an_int_is_an_int(string json, int expected)
    {
        Assert.Equal(expected, Assert.IsType<int>(Value(json)));
    }

    [Theory]
    [InlineData("2147483648", 2147483648L)]
    [InlineData("-3000000000", -3000000000L)]
    [InlineData("9223372036854775807", long.MaxValue)]
    public void A_whole_number_too_large_for_an_int_is_a_long(string json, long expected)
    {
        Assert.Equal(expected, Assert.IsType<long>(Value(json)));
    }

    [Theory]
    [InlineData("1.5", 1.5)]
    [InlineData("-0.25", -0.25)]
    [InlineData("1e3", 1000.0)]
    [InlineData("1.0", 1.0)]
    [InlineData("9223372036854775808", 9223372036854775808.0)]
    public void Any_other_number_is_a_double(string json, double expected)
    {
        Assert.Equal(expected, Assert.IsType<double>(Value(json)));
    }

    [Fact]
    public void Booleans_and_nulls_keep_their_meaning_and_a_null_property_is_still_there()
    {
        var entity = Entity("""{"isActive":true,"isDeleted":false,"comment":null}""");

        Assert.Equal(true, entity.Properties["IsActive"].Value);
        Assert.Equal(false, entity.Properties["IsDeleted"].Value);
        Assert.NotNull(entity.Properties["Comment"]);
        Assert.Null(entity.Properties["Comment"].Value);
    }

    [Fact]
    public void Nested_objects_become_PSObjects_with_the_same_rules()
    {
        var entity = Entity("""{"machine":{"osPlatform":"Windows11","lastSeen":"2024-03-01T10:00:00Z","vm":{"cores":4}}}""");

        var machine = Nested(entity, "Machine");
        Assert.Equal("Windows11", machine.Properties["OsPlatform"].Value);
        Assert.Equal(new DateTime(2024, 3, 1, 10, 0, 0, DateTimeKind.Utc), machine.Properties["LastSeen"].Value);
        Assert.Equal(4, Nested(machine, "Vm").Properties["Cores"].Value);
    }

    [Fact]
    public void Arrays_become_object_arrays_of_converted_values()
    {
        var entity = Entity("""{"tags":["a",1,null,true,"2020-01-05T06:58:34Z"],"empty":[],"evidence":[{"sha1":"ab"},{"sha1":"cd"}],"grid":[[1],[2,3]]}""");

        var tags = Assert.IsType<object?[]>(entity.Properties["Tags"].Value);
        Assert.Equal(["a", 1, null, true, new DateTime(2020, 1, 5, 6, 58, 34, DateTimeKind.Utc)], tags);
        Assert.Empty(Assert.IsType<object?[]>(entity.Properties["Empty"].Value));

        var evidence = Assert.IsType<object?[]>(entity.Properties["Evidence"].Value);
        Assert.Equal(["ab", "cd"], evidence.Cast<PSObject>().Select(item => item.Properties["Sha1"].Value));

        var grid = Assert.IsType<object?[]>(entity.Properties["Grid"].Value);
        Assert.Equal([1], Assert.IsType<object?[]>(grid[0]));
        Assert.Equal([2, 3], Assert.IsType<object?[]>(grid[1]));
    }

    [Fact]
    public void A_repeated_property_keeps_its_last_value_instead_of_failing()
    {
        var entity = Entity("""{"id":"first","Id":"second"}""");

        Assert.Equal(["Id"], Names(entity));
        Assert.Equal("second", entity.Properties["Id"].Value);
    }

    [Fact]
    public void A_property_with_an_empty_name_is_left_out()
    {
        var entity = Entity("""{"":1,"id":"a"}""");

        Assert.Equal(["Id"], Names(entity));
    }

    [Fact]
    public void SetProperty_adds_a_note_property_or_replaces_the_value_of_an_existing_one()
    {
        var alert = Entity("""{"id":"da1"}""", EntityKind.Alert);

        JsonToPSObject.SetProperty(alert, "UserName", "user1");
        JsonToPSObject.SetProperty(alert, "Id", "da2");

        Assert.Equal(["Id", "UserName"], Names(alert));
        Assert.Equal("da2", alert.Properties["Id"].Value);
        Assert.IsType<PSNoteProperty>(alert.Properties["UserName"]);
    }

    [Fact]
    public void Names_met_again_in_other_documents_are_still_capitalised_correctly()
    {
        // Names are cached across calls; a name already seen must come back the same, and a new one must not be confused with it.
        var first = Entity("""{"deviceName":1,"osPlatform":2}""");
        var second = Entity("""{"osPlatform":3,"deviceNames":4,"deviceName":5}""");

        Assert.Equal(["DeviceName", "OsPlatform"], Names(first));
        Assert.Equal(["OsPlatform", "DeviceNames", "DeviceName"], Names(second));
    }

    private static PSObject Entity(string json, EntityKind kind = EntityKind.Alert) =>
        JsonToPSObject.ConvertEntity(Encoding.UTF8.GetBytes(json), kind);

    private static object? Value(string json) => JsonToPSObject.Convert(Encoding.UTF8.GetBytes(json));

    private static string[] Names(PSObject entity) => entity.Properties.Select(property => property.Name).ToArray();

    private static PSObject Nested(PSObject parent, string name) => Assert.IsType<PSObject>(parent.Properties[name].Value);
}
