using DefenderPS.Http;

namespace DefenderPS.Engine.Tests.Http;

/// <summary>
/// What ids reach the API: everything that could leave the intended endpoint is refused with a problem the user can act
/// on, and user names are reduced to the bare account name.
/// </summary>
public sealed class ResourceIdTests
{
    [Theory]
    [InlineData("da638349583245617393_-1127291855")]
    [InlineData("ar638180599315648136_73827727")]
    [InlineData("a.b")]
    [InlineData("with inner space")]
    [InlineData("ünïcødé-ålert")]
    public void A_plain_alert_id_is_sent_unchanged(string id)
    {
        Assert.Equal(id, Accepted(IdKind.Alert, id));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("\t\r\n")]
    public void An_empty_id_is_refused(string? input)
    {
        Assert.Equal("The alert id is empty.", Refused(IdKind.Alert, input));
        Assert.Equal("The machine id is empty.", Refused(IdKind.Machine, input));
        Assert.Equal("The user name is empty.", Refused(IdKind.User, input));
    }

    [Fact]
    public void An_id_of_the_longest_accepted_length_passes_and_one_more_character_is_refused()
    {
        var longest = new string('a', ResourceId.MaxLength);

        Assert.Equal(longest, Accepted(IdKind.Machine, longest));
        Assert.Equal(
            "The machine id is 257 characters long; the longest accepted is 256.",
            Refused(IdKind.Machine, longest + "a"));
    }

    [Theory]
    [InlineData(" abc")]
    [InlineData("abc ")]
    [InlineData("abc\u00A0")]
    public void An_id_starting_or_ending_with_white_space_is_refused_rather_than_trimmed(string input)
    {
        Assert.Equal($"The alert id '{input}' starts or ends with white space.", Refused(IdKind.Alert, input));
    }

    [Theory]
    [InlineData("abc\0def")]
    [InlineData("abc\u0007")]
    [InlineData("a\u001Bb")]
    [InlineData("a\u0085b")]
    public void An_id_with_a_control_character_is_refused_without_echoing_it(string input)
    {
        Assert.Equal("The machine id contains a control character.", Refused(IdKind.Machine, input));
    }

    [Theory]
    [InlineData('/')]
    [InlineData('\\')]
    [InlineData('?')]
    [InlineData('#')]
    [InlineData('%')]
    public void An_id_with_a_character_that_could_change_the_request_path_is_refused(char forbidden)
    {
        var input = "abc" + forbidden + "def";

        Assert.Equal($"The alert id '{input}' contains '{forbidden}', which no alert id contains.", Refused(IdKind.Alert, input));
        Assert.Equal($"The machine id '{input}' contains '{forbidden}', which no machine id contains.", Refused(IdKind.Machine, input));
    }

    [Theory]
    [InlineData("..%2Fmachines")]
    [InlineData("../machines")]
    [InlineData("%2e%2e")]
    public void A_path_traversal_attempt_is_refused(string input)
    {
        Assert.NotNull(Refused(IdKind.Alert, input));
    }

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("...")]
    public void Dots_alone_are_refused_because_the_uri_would_fold_them_away(string input)
    {
        Assert.Equal($"The machine id '{input}' is not a valid id.", Refused(IdKind.Machine, input));
    }

    [Fact]
    public void The_text_of_an_object_is_refused_with_a_hint()
    {
        Assert.Equal(
            "The alert id '@{Name=x}' is an object turned into text. Pass the id itself.",
            Refused(IdKind.Alert, "@{Name=x}"));
    }

    [Fact]
    public void A_long_object_turned_into_text_is_shortened_in_the_problem()
    {
        var input = "@{" + new string('x', 100) + "}";

        var problem = Refused(IdKind.Machine, input);

        Assert.StartsWith("The machine id '@{" + new string('x', 58) + "...' is an object turned into text.", problem);
    }

    [Theory]
    [InlineData("user1", "user1")]
    [InlineData("user1@contoso.com", "user1")]
    [InlineData(@"CONTOSO\user1", "user1")]
    [InlineData(@"contoso\user1@contoso.com", "user1")]
    [InlineData("user1@", "user1")]
    [InlineData("first.last", "first.last")]
    public void A_user_name_becomes_the_bare_account_name(string input, string expected)
    {
        Assert.Equal(expected, Accepted(IdKind.User, input));
    }

    [Theory]
    [InlineData("a@b@contoso.com")]
    [InlineData("@contoso.com")]
    public void A_user_name_with_no_single_clear_account_part_is_sent_as_given(string input)
    {
        Assert.Equal(input, Accepted(IdKind.User, input));
    }

    [Theory]
    [InlineData(@"\user1")]
    [InlineData(@"a\b\user1")]
    public void A_user_name_with_a_backslash_that_is_not_one_domain_separator_is_refused(string input)
    {
        Assert.Equal($"The user name '{input}' contains '\\', which no user name contains.", Refused(IdKind.User, input));
    }

    [Fact]
    public void Only_user_names_lose_their_domain()
    {
        Assert.Equal(@"The alert id 'contoso\x' contains '\', which no alert id contains.", Refused(IdKind.Alert, @"contoso\x"));
        Assert.Equal("x@contoso.com", Accepted(IdKind.Machine, "x@contoso.com"));
    }

    [Theory]
    [InlineData(@"contoso\", "The user name is empty.")]
    [InlineData(@"contoso\ user1", "The user name ' user1' starts or ends with white space.")]
    [InlineData(@"contoso\..", "The user name '..' is not a valid id.")]
    [InlineData("user/1@contoso.com", "The user name 'user/1' contains '/', which no user name contains.")]
    public void The_bare_account_name_is_checked_again(string input, string expected)
    {
        Assert.Equal(expected, Refused(IdKind.User, input));
    }

    [Fact]
    public void A_user_name_is_checked_for_length_before_its_domain_is_dropped()
    {
        var input = "contoso\\" + new string('u', ResourceId.MaxLength);

        Assert.Equal("The user name is 264 characters long; the longest accepted is 256.", Refused(IdKind.User, input));
    }

    private static string Accepted(IdKind kind, string input)
    {
        var id = ResourceId.Normalize(kind, input, out var problem);
        Assert.Null(problem);
        Assert.NotNull(id);
        return id;
    }

    private static string Refused(IdKind kind, string? input)
    {
        var id = ResourceId.Normalize(kind, input, out var problem);
        Assert.Null(id);
        Assert.NotNull(problem);
        return problem;
    }
}
