using DefenderPS.Http;

namespace DefenderPS.Engine.Tests.Http;

/// <summary>The one place list filters are built: every value a literal of its type, clauses joined by <c>and</c>.</summary>
public sealed class ODataFilterBuilderTests
{
    [Fact]
    public void No_clause_is_no_filter_and_null_values_add_none()
    {
        var filter = new ODataFilterBuilder().Equal("a", (string?)null).Equal("b", (long?)null).AnyOf("c", null)
            .AnyOf("d", []).StartsWith("e", null).Matching("f", null).AtOrAfter("g", null).Raw(null).Raw("  ");

        Assert.Null(filter.Text);
    }

    [Fact]
    public void Clauses_join_with_and_in_the_order_added_and_several_values_with_or_in_parentheses()
    {
        var filter = new ODataFilterBuilder()
            .AnyOf("severity", ["High", "Medium", "high"])
            .Equal("incidentId", 1371L)
            .AnyOf("status", ["New"])
            .Raw("assignedTo eq null or assignedTo eq 'me'");

        Assert.Equal("(severity eq 'High' or severity eq 'Medium') and incidentId eq 1371 and status eq 'New' and (assignedTo eq null or assignedTo eq 'me')", filter.Text);
    }

    [Theory]
    [InlineData("O'Brien", "'O''Brien'")]
    [InlineData("''", "''''''")]
    [InlineData("x' or 'a' eq 'a", "'x'' or ''a'' eq ''a'")]
    [InlineData("a&b#c%20d", "'a&b#c%20d'")]
    public void A_string_is_quoted_with_its_quotes_doubled(string value, string literal)
    {
        Assert.Equal(literal, ODataFilterBuilder.Quote(value));
        Assert.Equal($"category eq {literal}", new ODataFilterBuilder().Equal("category", value).Text);
    }

    [Fact]
    public void Times_are_unquoted_UTC_with_only_the_fraction_they_have()
    {
        Assert.Equal("2023-11-07T12:00:00Z", ODataFilterBuilder.Timestamp(new DateTime(2023, 11, 7, 12, 0, 0, DateTimeKind.Utc)));
        Assert.Equal("2023-11-07T12:00:00.1234567Z", ODataFilterBuilder.Timestamp(new DateTime(2023, 11, 7, 12, 0, 0, DateTimeKind.Utc).AddTicks(1234567)));
        var local = new DateTime(2023, 11, 7, 12, 0, 0, DateTimeKind.Local);
        Assert.Equal(ODataFilterBuilder.Timestamp(local.ToUniversalTime()), ODataFilterBuilder.Timestamp(local));
        Assert.Equal(ODataFilterBuilder.Timestamp(local), ODataFilterBuilder.Timestamp(DateTime.SpecifyKind(local, DateTimeKind.Unspecified)));
    }

    [Theory]
    [InlineData("ws-0142", "computerDnsName eq 'ws-0142'")]
    [InlineData("ws-*", "startswith(computerDnsName,'ws-')")]
    [InlineData("o'b*", "startswith(computerDnsName,'o''b')")]
    public void Matching_is_equality_or_with_a_trailing_star_a_prefix(string pattern, string clause)
    {
        Assert.Equal(clause, new ODataFilterBuilder().Matching("computerDnsName", pattern).Text);
    }

    [Fact]
    public void A_star_before_the_end_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new ODataFilterBuilder().Matching("computerDnsName", "ws-*.contoso.com"));
    }

    [Theory]
    [InlineData("a eq 1) or (b eq 2")]
    [InlineData(")")]
    [InlineData("(a eq 1")]
    [InlineData("title eq 'open")]
    [InlineData("title eq 'it''s")]
    public void A_raw_clause_that_could_escape_its_parentheses_is_refused(string clause)
    {
        Assert.Throws<ArgumentException>(() => new ODataFilterBuilder().Raw(clause));
    }

    [Theory]
    [InlineData("title eq 'a) or (b'")]
    [InlineData("title eq 'it''s (fine)'")]
    [InlineData("(a eq 1 or (b eq 2)) and c eq 3")]
    public void Parentheses_and_quotes_inside_strings_do_not_count(string clause)
    {
        Assert.Equal("(" + clause + ")", new ODataFilterBuilder().Raw(clause).Text);
    }
}
