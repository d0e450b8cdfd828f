using System;
using System.Text;

namespace DefenderPS.Http;

/// <summary>
/// One listing of an entity set (<c>GET alerts</c>, <c>GET machines</c>): its filter, how many objects are wanted at
/// most, and what to expand. <see cref="DefenderApiClient.ListAsync"/> pages through it.
/// </summary>
internal sealed class ListRequest
{
    /// <param name="orderBy">The <c>$orderby</c> option, such as <c>creationDateTimeUtc desc</c>; null for the service's order.</param>
    public ListRequest(ApiRoute route, ODataFilterBuilder filter, int? top = null, string? expand = null, string? orderBy = null)
    {
        if (route.InputKind is not null || !route.IsCollection)
        {
            throw new ArgumentException($"{route} is not a list.", nameof(route));
        }

        Route = route;
        Filter = filter;
        Top = top;
        Expand = expand;
        OrderBy = orderBy;
    }

    public ApiRoute Route { get; }

    public ODataFilterBuilder Filter { get; }

    /// <summary>The most objects to write; null for all.</summary>
    public int? Top { get; }

    /// <summary>The <c>$expand</c> option, such as <c>evidence</c>; null for none.</summary>
    public string? Expand { get; }

    public string? OrderBy { get; }

    /// <summary>The query of one page: the filter and expansion, then <c>$top</c> and (after the first page) <c>$skip</c>.</summary>
    public string PageQuery(int top, int skip)
    {
        var query = new StringBuilder();
        if (Filter.Text is { } filter)
        {
            query.Append("$filter=").Append(Uri.EscapeDataString(filter)).Append('&');
        }

        if (Expand is not null)
        {
            query.Append("$expand=").Append(Uri.EscapeDataString(Expand)).Append('&');
        }

        if (OrderBy is not null)
        {
            query.Append("$orderby=").Append(Uri.EscapeDataString(OrderBy)).Append('&');
        }

        query.Append("$top=").Append(top);
        if (skip > 0)
        {
            query.Append("&$skip=").Append(skip);
        }

        return query.ToString();
    }

    /// <summary>For messages: "alerts where severity eq 'High'".</summary>
    public string Describe() => Route.ResultNoun + "s" + (Filter.Text is { } filter ? " where " + filter : string.Empty);
}
