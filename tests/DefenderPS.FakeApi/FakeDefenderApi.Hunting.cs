namespace DefenderPS.FakeApi;

/// <summary>The fake's Microsoft Graph side: advanced hunting (see <see cref="HuntingEndpoint"/>).</summary>
public sealed partial class FakeDefenderApi
{
    /// <summary>The static bearer token accepted on the Graph paths; tokens the token endpoint issued for a Graph scope work too, MDE tokens do not.</summary>
    public string GraphAccessToken => _hunting.StaticToken;

    /// <summary>Advanced hunting calls allowed per minute before a call rate 429; null: no limit.</summary>
    public int? HuntingCallsPerMinute
    {
        get => _hunting.CallsPerMinute;
        set => _hunting.CallsPerMinute = value;
    }

    /// <summary>Answers <paramref name="query"/> (compared whitespace aside) with <paramref name="response"/>, e.g. <see cref="GraphResponse.HuntingResults"/>.</summary>
    public void AddHuntingAnswer(string query, FakeResponse response) => _hunting.SetAnswer(query, response);

    private HuntingEndpoint.GraphTokenStatus CheckGraphToken(string token) =>
        !HuntingEndpoint.IsGraphScope(_tokens.AudienceOf(token)) ? HuntingEndpoint.GraphTokenStatus.NotForGraph
        : _tokens.IsIssuedAndValid(token) ? HuntingEndpoint.GraphTokenStatus.Valid
        : HuntingEndpoint.GraphTokenStatus.Expired;
}
