using System.Management.Automation;
using System.Text;
using System.Text.Json;
using DefenderPS.Conversion;

namespace DefenderPS.Engine.Tests.Conversion;

/// <summary>
/// One page of a collection response, read as it arrives: each entity is handed over as soon as its bytes are in,
/// whatever the sizes of the pieces the network delivers.
/// </summary>
public sealed class ODataCollectionReaderTests
{
    private const string TwoUsersWithNextLink =
        """{"@odata.context":"https://api.securitycenter.microsoft.com/api/$metadata#Users","value":[{"id":"user1","logonTypes":"Interactive"},{"id":"user2","firstSeen":"2024-03-01T10:00:00Z"}],"@odata.nextLink":"https://api.securitycenter.microsoft.com/api/machines/m1/logonusers?$skip=2"}""";

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(1)]
    [InlineData(7)]
    public async Task Each_entity_is_converted_and_handed_over_in_order_and_the_next_link_is_returned(int chunkSize)
    {
        var (users, nextLink) = await ReadPage(TwoUsersWithNextLink, EntityKind.User, chunkSize);

        Assert.Equal("https://api.securitycenter.microsoft.com/api/machines/m1/logonusers?$skip=2", nextLink);
        Assert.Equal(["user1", "user2"], users.Select(user => user.Properties["Id"].Value));
        Assert.All(users, user => Assert.Equal("DefenderPS.User", user.TypeNames[0]));
        Assert.Equal("Interactive", users[0].Properties["LogonTypes"].Value);
        Assert.Equal(new DateTime(2024, 3, 1, 10, 0, 0, DateTimeKind.Utc), users[1].Properties["FirstSeen"].Value);
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(1)]
    public async Task A_next_link_before_the_value_array_is_found_too(int chunkSize)
    {
        var (alerts, nextLink) = await ReadPage("""{"@odata.nextLink":"https://next","value":[{"id":"da1"}]}""", EntityKind.Alert, chunkSize);

        Assert.Equal("https://next", nextLink);
        Assert.Equal("DefenderPS.Alert", Assert.Single(alerts).TypeNames[0]);
    }

    [Theory]
    [InlineData("""{"value":[{"id":"m1"}]}""")]
    [InlineData("""{"value":[{"id":"m1"}],"@odata.nextLink":null}""")]
    public async Task The_last_page_has_no_next_link(string json)
    {
        var (machines, nextLink) = await ReadPage(json, EntityKind.Machine);

        Assert.Null(nextLink);
        Assert.Single(machines);
    }

    [Theory]
    [InlineData("""{"value":[]}""")]
    [InlineData("""{"@odata.context":"x","value":[]}""")]
    [InlineData("""{}""")]
    [InlineData(""" { "value" : [ ] } """)]
    public async Task An_empty_page_hands_over_nothing(string json)
    {
        var (entities, nextLink) = await ReadPage(json, EntityKind.Alert, chunkSize: 1);

        Assert.Empty(entities);
        Assert.Null(nextLink);
    }

    [Fact]
    public async Task Other_root_properties_of_any_shape_are_skipped()
    {
        const string json = """{"@odata.count":2,"extra":{"nested":[1,{"value":[{"id":"not-an-entity"}]}]},"list":[[]],"value":[{"id":"m1"},{"id":"m2"}],"flag":true}""";

        var (machines, _) = await ReadPage(json, EntityKind.Machine, chunkSize: 3);

        Assert.Equal(["m1", "m2"], machines.Select(machine => machine.Properties["Id"].Value));
    }

    [Theory]
    [InlineData("""[{"id":"m1"}]""", "Expected a JSON object in the collection response.")]
    [InlineData("""{"value":{"id":"m1"}}""", "Expected the 'value' array in the collection response.")]
    [InlineData("""{"value":null}""", "Expected the 'value' array in the collection response.")]
    [InlineData("""{"value":["m1"]}""", "Expected a JSON object for an entity of type Machine.")]
    public async Task A_response_of_the_wrong_shape_is_refused(string json, string expectedMessage)
    {
        var error = await Assert.ThrowsAsync<JsonException>(() => ReadPage(json, EntityKind.Machine));

        Assert.Equal(expectedMessage, error.Message);
    }

    [Theory]
    [InlineData("""{"value":[{"id":"m1"},{"id":""")]
    [InlineData("""{"value":[{"id":"m1"}""")]
    [InlineData("""{"value":[{"id":"m1"}]""")]
    [InlineData("""{"value":[{"id":"m1"} {"id":"m2"}]}""")]
    [InlineData("""{"value":[{"id":m1}]}""")]
    [InlineData("")]
    [InlineData("<html>Service Unavailable</html>")]
    public async Task A_truncated_or_malformed_response_throws(string json)
    {
        await Assert.ThrowsAnyAsync<JsonException>(() => ReadPage(json, EntityKind.Machine, chunkSize: 5));
    }

    [Fact]
    public async Task Entities_before_a_malformed_one_have_already_been_handed_over()
    {
        var handedOver = new List<PSObject>();
        using var body = new ChunkedStream(Encoding.UTF8.GetBytes("""{"value":[{"id":"m1"},{"id":"m2"},{"id":]}"""), chunkSize: 4);

        await Assert.ThrowsAnyAsync<JsonException>(
            () => ODataCollectionReader.ReadPageAsync(body, EntityKind.Machine, handedOver.Add, CancellationToken.None));

        Assert.Equal(2, handedOver.Count);
    }

    [Fact]
    public async Task An_entity_larger_than_the_reading_buffer_arrives_whole()
    {
        var description = new string('x', 300_000);
        var json = $$"""{"value":[{"id":"small"},{"id":"large","description":"{{description}}"},{"id":"after"}]}""";

        var (alerts, _) = await ReadPage(json, EntityKind.Alert, chunkSize: 4096);

        Assert.Equal(["small", "large", "after"], alerts.Select(alert => alert.Properties["Id"].Value));
        Assert.Equal(description, alerts[1].Properties["Description"].Value);
    }

    [Fact]
    public async Task A_page_of_ten_thousand_entities_is_streamed_entity_by_entity()
    {
        var page = LargePage(10_000);
        using var body = new ChunkedStream(page, chunkSize: 16 * 1024);
        var bytesReadAtEachEntity = new List<long>();

        var nextLink = await ODataCollectionReader.ReadPageAsync(
            body, EntityKind.Alert, alert => bytesReadAtEachEntity.Add(body.Position), CancellationToken.None);

        Assert.Equal("https://next/page", nextLink);
        Assert.Equal(10_000, bytesReadAtEachEntity.Count);

        // Each entity arrives once a buffer's worth of bytes at most has been read past it, never after the whole page.
        var entitySize = (double)page.Length / 10_000;
        var lookAhead = 128 * 1024;
        for (var index = 0; index < bytesReadAtEachEntity.Count; index += 500)
        {
            Assert.True(
                bytesReadAtEachEntity[index] <= ((index + 1) * entitySize) + lookAhead,
                $"Entity {index} arrived after {bytesReadAtEachEntity[index]} of {page.Length} bytes had been read.");
        }
    }

    [Fact]
    public async Task Reading_stops_when_cancelled()
    {
        using var cancellation = new CancellationTokenSource();
        using var body = new ChunkedStream(LargePage(1000), chunkSize: 1024);
        var handedOver = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ODataCollectionReader.ReadPageAsync(
            body,
            EntityKind.Alert,
            _ =>
            {
                if (++handedOver == 10)
                {
                    cancellation.Cancel();
                }
            },
            cancellation.Token));

        Assert.True(handedOver < 1000, $"{handedOver} entities were handed over after cancellation.");
    }

    private static async Task<(List<PSObject> Entities, string? NextLink)> ReadPage(string json, EntityKind kind, int chunkSize = int.MaxValue)
    {
        var entities = new List<PSObject>();
        using var body = new ChunkedStream(Encoding.UTF8.GetBytes(json), chunkSize);
        var nextLink = await ODataCollectionReader.ReadPageAsync(body, kind, entities.Add, CancellationToken.None);
        return (entities, nextLink);
    }

    private static byte[] LargePage(int entityCount)
    {
        var json = new StringBuilder("""{"@odata.context":"https://api/$metadata#Alerts","value":[""");
        for (var index = 0; index < entityCount; index++)
        {
            json.Append(index == 0 ? "" : ",")
                .Append($$"""{"id":"da{{index:D20}}","severity":"Medium","status":"New","alertCreationTime":"2024-03-01T10:00:00.1234567Z","title":"Suspicious activity number {{index}}","machineId":"{{index:x40}}"}""");
        }

        json.Append("""],"@odata.nextLink":"https://next/page"}""");
        return Encoding.UTF8.GetBytes(json.ToString());
    }
}
