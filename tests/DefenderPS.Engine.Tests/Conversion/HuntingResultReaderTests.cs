using System.Management.Automation;
using System.Text;
using System.Text.Json;
using DefenderPS.Conversion;

namespace DefenderPS.Engine.Tests.Conversion;

/// <summary>
/// An advanced hunting response (Graph's runHuntingQuery) read as it arrives: every row typed by the schema, with the
/// column names the query returned, whatever the casing of <c>schema</c>/<c>name</c>/<c>type</c> and the pieces the network delivers.
/// </summary>
public sealed class HuntingResultReaderTests
{
    private const string EveryType = """
        {"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.security.huntingQueryResults",
         "schema":[
           {"name":"Timestamp","type":"DateTime"},{"name":"DeviceId","type":"String"},{"name":"ReportId","type":"Long"},
           {"name":"LogonCount","type":"Int"},{"name":"IsLocalAdmin","type":"Boolean"},{"name":"Score","type":"Real"},
           {"name":"Cost","type":"Decimal"},{"name":"AdditionalFields","type":"Dynamic"},{"name":"Tags","type":"Dynamic"},
           {"name":"Duration","type":"TimeSpan"},{"name":"AccountObjectId","type":"Guid"},{"name":"count_","type":"Long"}],
         "results":[
           {"Timestamp":"2026-11-17T09:03:27.9183306Z","DeviceId":"fae0b3e81d1fea9dc0819e6e57b8d92337f29e21","ReportId":9007199254740993,
            "LogonCount":3,"IsLocalAdmin":true,"Score":0.75,"Cost":12.345678901234567890,"AdditionalFields":"{\"IsLocalLogon\":true,\"Ports\":[445,139]}",
            "Tags":["Finance","VIP"],"Duration":"01:02:03.5000000","AccountObjectId":"2f3a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b","count_":42}]}
        """;

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(1)]
    [InlineData(13)]
    public async Task Every_schema_type_becomes_its_PowerShell_type(int chunkSize)
    {
        var (rows, columns) = await Read(EveryType, chunkSize);

        var row = Assert.Single(rows);
        Assert.Equal(12, columns.Count);
        Assert.Equal(HuntingResultReader.RowTypeName, row.TypeNames[0]);
        var timestamp = Assert.IsType<DateTime>(Value(row, "Timestamp"));
        Assert.Equal(DateTimeKind.Utc, timestamp.Kind);
        Assert.Equal(new DateTime(2026, 11, 17, 9, 3, 27, DateTimeKind.Utc).AddTicks(9183306), timestamp);
        Assert.Equal("fae0b3e81d1fea9dc0819e6e57b8d92337f29e21", Value(row, "DeviceId"));
        Assert.Equal(9007199254740993L, Value(row, "ReportId"));
        Assert.Equal(3, Value(row, "LogonCount"));
        Assert.Equal(true, Value(row, "IsLocalAdmin"));
        Assert.Equal(0.75, Value(row, "Score"));
        Assert.Equal(12.345678901234567890m, Value(row, "Cost"));
        Assert.Equal(TimeSpan.FromSeconds(3723.5), Value(row, "Duration"));
        Assert.Equal("2f3a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b", Value(row, "AccountObjectId"));
        Assert.Equal(42L, Value(row, "count_"));

        var fields = Assert.IsType<PSObject>(Value(row, "AdditionalFields"));
        Assert.Equal(true, fields.Properties["IsLocalLogon"].Value);
        Assert.Equal(new object[] { 445, 139 }, fields.Properties["Ports"].Value);
        Assert.Equal(new object[] { "Finance", "VIP" }, Value(row, "Tags"));
    }

    [Fact]
    public async Task Column_names_keep_the_case_the_query_returned()
    {
        var (rows, _) = await Read("""{"schema":[{"name":"count_","type":"Long"},{"name":"deviceName","type":"String"}],"results":[{"count_":1,"deviceName":"ws-bob"}]}""");

        Assert.Equal(["count_", "deviceName"], Assert.Single(rows).Properties.Select(property => property.Name));
    }

    [Theory]
    [InlineData("""{"Schema":[{"Name":"Timestamp","Type":"DateTime"},{"Name":"Count","Type":"Int64"}],"Results":[{"Timestamp":"2026-11-17T09:00:00Z","Count":5}]}""")]
    [InlineData("""{"schema":[{"name":"Timestamp","type":"datetime"},{"name":"Count","type":"long"}],"results":[{"Timestamp":"2026-11-17T09:00:00Z","Count":5}]}""")]
    [InlineData("""{"schema":[{"Name":"Timestamp","type":"DateTime"},{"name":"Count","Type":"Long"}],"Results":[{"Timestamp":"2026-11-17T09:00:00Z","Count":5}]}""")]
    public async Task Either_casing_of_the_schema_is_understood(string json)
    {
        var (rows, columns) = await Read(json, chunkSize: 3);

        var row = Assert.Single(rows);
        Assert.Equal([HuntingColumnType.DateTime, HuntingColumnType.Long], columns.Select(column => column.Type));
        Assert.Equal(new DateTime(2026, 11, 17, 9, 0, 0, DateTimeKind.Utc), Value(row, "Timestamp"));
        Assert.Equal(5L, Value(row, "Count"));
    }

    [Fact]
    public async Task Nulls_stay_null_in_every_type()
    {
        var columns = string.Join(",", new[] { "DateTime", "String", "Long", "Int", "Boolean", "Real", "Decimal", "Dynamic", "TimeSpan" }
            .Select(type => $$"""{"name":"{{type}}Column","type":"{{type}}"}"""));
        var values = string.Join(",", new[] { "DateTime", "String", "Long", "Int", "Boolean", "Real", "Decimal", "Dynamic", "TimeSpan" }
            .Select(type => $"\"{type}Column\":null"));

        var (rows, _) = await Read($$"""{"schema":[{{columns}}],"results":[{{{values}}}]}""");

        var row = Assert.Single(rows);
        Assert.Equal(9, row.Properties.Count());
        Assert.All(row.Properties, property => Assert.Null(property.Value));
    }

    [Fact]
    public async Task A_column_a_row_leaves_out_is_there_as_null()
    {
        var (rows, _) = await Read("""{"schema":[{"name":"AccountName","type":"String"},{"name":"DeviceName","type":"String"}],"results":[{"AccountName":"alice"}]}""");

        var row = Assert.Single(rows);
        Assert.Equal(["AccountName", "DeviceName"], row.Properties.Select(property => property.Name));
        Assert.Null(Value(row, "DeviceName"));
    }

    [Theory]
    [InlineData("DateTime", "\"not a date\"", "not a date")]
    [InlineData("Long", "\"many\"", "many")]
    [InlineData("Int", "4.5", 4.5)]
    [InlineData("Real", "\"NaN\"", double.NaN)]
    [InlineData("Real", "3", 3.0)]
    [InlineData("Boolean", "1", true)]
    [InlineData("Long", "\"9007199254740993\"", 9007199254740993L)]
    [InlineData("String", "7", 7)]
    [InlineData("Dynamic", "\"plain text\"", "plain text")]
    [InlineData("Dynamic", "\"{not json\"", "{not json")]
    [InlineData("Dynamic", "12", 12)]
    [InlineData("SomeFutureType", "\"x\"", "x")]
    public async Task Values_are_typed_leniently_and_what_does_not_fit_is_converted_as_plain_JSON(string type, string json, object expected)
    {
        var (rows, _) = await Read($$"""{"schema":[{"name":"Column","type":"{{type}}"}],"results":[{"Column":{{json}}}]}""");

        Assert.Equal(expected, Value(Assert.Single(rows), "Column"));
    }

    [Fact]
    public async Task A_dynamic_object_sent_as_an_object_is_converted_as_API_JSON_is()
    {
        var (rows, _) = await Read("""{"schema":[{"name":"Evidence","type":"Dynamic"}],"results":[{"Evidence":{"@odata.type":"x","sha1":"abc","seen":"2026-11-17T09:00:00Z"}}]}""");

        var evidence = Assert.IsType<PSObject>(Value(Assert.Single(rows), "Evidence"));
        Assert.Equal("abc", evidence.Properties["Sha1"].Value);
        Assert.IsType<DateTime>(evidence.Properties["Seen"].Value);
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(2)]
    public async Task Rows_before_the_schema_are_typed_once_it_arrives(int chunkSize)
    {
        var (rows, _) = await Read(
            """{"results":[{"Timestamp":"2026-11-17T09:00:00Z","Count":1},{"Timestamp":"2026-11-18T09:00:00Z","Count":2}],"schema":[{"name":"Timestamp","type":"DateTime"},{"name":"Count","type":"Long"}]}""",
            chunkSize);

        Assert.Equal([1L, 2L], rows.Select(row => Value(row, "Count")));
        Assert.All(rows, row => Assert.IsType<DateTime>(Value(row, "Timestamp")));
    }

    [Fact]
    public async Task Without_a_schema_rows_are_converted_as_plain_JSON()
    {
        var (rows, columns) = await Read("""{"results":[{"DeviceName":"ws-bob","Count":2,"Timestamp":"2026-11-17T09:00:00Z"}]}""");

        var row = Assert.Single(rows);
        Assert.Empty(columns);
        Assert.Equal(["DeviceName", "Count", "Timestamp"], row.Properties.Select(property => property.Name));
        Assert.Equal(2, Value(row, "Count"));
        Assert.IsType<DateTime>(Value(row, "Timestamp"));
    }

    [Theory]
    [InlineData("""{"schema":[{"name":"A","type":"String"}],"results":[]}""")]
    [InlineData("""{"schema":[],"results":[]}""")]
    [InlineData("""{}""")]
    public async Task An_empty_result_hands_over_nothing(string json)
    {
        var (rows, _) = await Read(json, chunkSize: 1);

        Assert.Empty(rows);
    }

    [Fact]
    public async Task Other_root_properties_are_skipped()
    {
        var (rows, _) = await Read("""{"@odata.context":"x","stats":{"results":[{"A":"no"}]},"schema":[{"name":"A","type":"String"}],"results":[{"A":"yes"}],"extra":[[1]]}""", chunkSize: 4);

        Assert.Equal("yes", Value(Assert.Single(rows), "A"));
    }

    [Theory]
    [InlineData("""[{"A":1}]""", "Expected a JSON object in the hunting query response.")]
    [InlineData("""{"schema":{"name":"A"}}""", "Expected the 'schema' array in the hunting query response.")]
    [InlineData("""{"results":null}""", "Expected the 'results' array in the hunting query response.")]
    [InlineData("""{"schema":["A"]}""", "Expected each schema column to be an object in the hunting query response.")]
    [InlineData("""{"schema":[{"type":"String"}]}""", "Expected a name for each schema column in the hunting query response.")]
    [InlineData("""{"schema":[],"results":["row"]}""", "Expected each result row to be an object in the hunting query response.")]
    public async Task A_response_of_the_wrong_shape_is_refused(string json, string expectedMessage)
    {
        var error = await Assert.ThrowsAsync<JsonException>(() => Read(json));

        Assert.Equal(expectedMessage, error.Message);
    }

    [Theory]
    [InlineData("""{"schema":[{"name":"A","type":"String"}],"results":[{"A":"x"},{"A":""")]
    [InlineData("""{"schema":[{"name":"A","type":"String"}],"results":[{"A":"x"}]""")]
    [InlineData("""{"schema":[{"name":"A","type":"String"}],"results":[{"A":x}]}""")]
    [InlineData("")]
    [InlineData("<html>Bad Gateway</html>")]
    public async Task A_truncated_or_malformed_response_throws(string json)
    {
        var error = await Record.ExceptionAsync(() => Read(json, chunkSize: 5));

        Assert.True(error is JsonException or EndOfStreamException, $"Unexpected {error?.GetType().Name}: {error?.Message}");
    }

    [Fact]
    public async Task Rows_before_a_malformed_one_have_already_been_handed_over()
    {
        var handedOver = new List<PSObject>();
        using var body = new ChunkedStream(Encoding.UTF8.GetBytes("""{"schema":[{"name":"A","type":"Long"}],"results":[{"A":1},{"A":2},{"A":]}"""), chunkSize: 4);

        await Assert.ThrowsAnyAsync<JsonException>(() => HuntingResultReader.ReadAsync(body, handedOver.Add, CancellationToken.None));

        Assert.Equal(2, handedOver.Count);
    }

    [Fact]
    public async Task Fifty_thousand_rows_are_streamed_row_by_row()
    {
        const int RowCount = 50_000;
        var response = LargeResult(RowCount);
        using var body = new ChunkedStream(response, chunkSize: 16 * 1024);
        var bytesReadAtEachRow = new List<long>(RowCount);
        PSObject? last = null;

        await HuntingResultReader.ReadAsync(
            body,
            row =>
            {
                bytesReadAtEachRow.Add(body.Position);
                last = row;
            },
            CancellationToken.None);

        Assert.Equal(RowCount, bytesReadAtEachRow.Count);
        Assert.Equal((long)(RowCount - 1), Value(last!, "ReportId"));

        // Each row arrives once a buffer's worth of bytes at most has been read past it, never after the whole body.
        var rowSize = (double)response.Length / RowCount;
        const int LookAhead = 128 * 1024;
        for (var index = 0; index < RowCount; index += 1000)
        {
            Assert.True(
                bytesReadAtEachRow[index] <= ((index + 1) * rowSize) + LookAhead,
                $"Row {index} arrived after {bytesReadAtEachRow[index]} of {response.Length} bytes had been read.");
        }
    }

    [Fact]
    public async Task Reading_stops_when_cancelled()
    {
        using var cancellation = new CancellationTokenSource();
        using var body = new ChunkedStream(LargeResult(5000), chunkSize: 1024);
        var handedOver = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => HuntingResultReader.ReadAsync(
            body,
            _ =>
            {
                if (++handedOver == 10)
                {
                    cancellation.Cancel();
                }
            },
            cancellation.Token));

        Assert.True(handedOver < 5000, $"{handedOver} rows were handed over after cancellation.");
    }

    private static object? Value(PSObject row, string column) =>
        (row.Properties[column] ?? throw new KeyNotFoundException($"No column {column}.")).Value;

    private static async Task<(List<PSObject> Rows, IReadOnlyList<HuntingColumn> Columns)> Read(string json, int chunkSize = int.MaxValue)
    {
        var rows = new List<PSObject>();
        using var body = new ChunkedStream(Encoding.UTF8.GetBytes(json), chunkSize);
        var columns = await HuntingResultReader.ReadAsync(body, rows.Add, CancellationToken.None);
        return (rows, columns);
    }

    private static byte[] LargeResult(int rowCount)
    {
        var json = new StringBuilder("""{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.security.huntingQueryResults","schema":[{"name":"Timestamp","type":"DateTime"},{"name":"DeviceId","type":"String"},{"name":"ReportId","type":"Long"},{"name":"RemotePort","type":"Int"},{"name":"AdditionalFields","type":"Dynamic"}],"results":[""");
        for (var index = 0; index < rowCount; index++)
        {
            json.Append(index == 0 ? "" : ",")
                .Append($$"""{"Timestamp":"2026-11-17T09:00:00.1234567Z","DeviceId":"{{index:x40}}","ReportId":{{index}},"RemotePort":445,"AdditionalFields":"{\"Direction\":\"Out\"}"}""");
        }

        json.Append("]}");
        return Encoding.UTF8.GetBytes(json.ToString());
    }
}
