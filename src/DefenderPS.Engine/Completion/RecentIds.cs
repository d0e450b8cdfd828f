using System;
using System.Collections.Generic;
using System.Management.Automation;
using DefenderPS.Conversion;
using DefenderPS.Http;

namespace DefenderPS.Completion;

/// <summary>
/// The alert ids, machine ids and user names a session's results have contained, most recent first,
/// for tab completion without calling the API. Bounded per kind; safe to feed from request threads
/// while the pipeline thread completes.
/// </summary>
internal sealed class RecentIds
{
    public const int DefaultCapacity = 500;

    private readonly object _gate = new();
    private readonly int _capacity;
    private readonly Dictionary<IdKind, LinkedList<RecentId>> _lists = new();
    private readonly Dictionary<(IdKind, string), LinkedListNode<RecentId>> _nodes = new();

    public RecentIds(int capacity = DefaultCapacity) => _capacity = capacity;

    /// <summary>Notes the ids an entity carries: its own, and the ones it points at.</summary>
    public void Remember(EntityKind kind, PSObject entity)
    {
        switch (kind)
        {
            case EntityKind.Alert:
                Remember(IdKind.Alert, Text(entity, "Id"), Text(entity, "Title"));
                Remember(IdKind.Machine, Text(entity, "MachineId"), Text(entity, "ComputerDnsName"));
                if (entity.Properties["RelatedUser"]?.Value is PSObject relatedUser)
                {
                    Remember(IdKind.User, Text(relatedUser, "UserName"), Text(relatedUser, "DomainName"));
                }

                break;
            case EntityKind.Machine:
                Remember(IdKind.Machine, Text(entity, "Id"), Text(entity, "ComputerDnsName"));
                break;
            case EntityKind.User:
                Remember(IdKind.User, Text(entity, "AccountName"), Text(entity, "AccountDomain"));
                break;
            case EntityKind.MachineAction:
                Remember(IdKind.MachineAction, Text(entity, "Id"), $"{Text(entity, "Type")} on {Text(entity, "ComputerDnsName") ?? Text(entity, "MachineId")}");
                Remember(IdKind.Machine, Text(entity, "MachineId"), Text(entity, "ComputerDnsName"));
                break;
        }
    }

    public void Remember(IdKind kind, string? id, string? description)
    {
        if (string.IsNullOrEmpty(id))
        {
            return;
        }

        lock (_gate)
        {
            if (!_lists.TryGetValue(kind, out var list))
            {
                list = _lists[kind] = new LinkedList<RecentId>();
            }

            if (_nodes.TryGetValue((kind, id!), out var known))
            {
                list.Remove(known);
            }

            var node = list.AddFirst(new RecentId(id!, string.IsNullOrEmpty(description) ? known?.Value.Description : description));
            _nodes[(kind, id!)] = node;
            if (list.Count > _capacity)
            {
                _nodes.Remove((kind, list.Last!.Value.Id));
                list.RemoveLast();
            }
        }
    }

    /// <summary>Ids of <paramref name="kind"/> whose id or description starts with <paramref name="prefix"/>, most recent first.</summary>
    public List<RecentId> Find(IdKind kind, string prefix)
    {
        var found = new List<RecentId>();
        lock (_gate)
        {
            if (_lists.TryGetValue(kind, out var list))
            {
                foreach (var recent in list)
                {
                    if (recent.Id.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
                        || (recent.Description?.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) ?? false))
                    {
                        found.Add(recent);
                    }
                }
            }
        }

        return found;
    }

    /// <summary>What a person recognises for exactly <paramref name="id"/> (a machine's DNS name, say), if this session has seen it.</summary>
    public string? DescriptionOf(IdKind kind, string id)
    {
        lock (_gate)
        {
            return _nodes.TryGetValue((kind, id), out var node) ? node.Value.Description : null;
        }
    }

    public int Count(IdKind kind)
    {
        lock (_gate)
        {
            return _lists.TryGetValue(kind, out var list) ? list.Count : 0;
        }
    }

    private static string? Text(PSObject entity, string property) => entity.Properties[property]?.Value as string;
}

internal sealed class RecentId
{
    public RecentId(string id, string? description)
    {
        Id = id;
        Description = description;
    }

    public string Id { get; }

    /// <summary>What a person recognises: an alert's title, a machine's DNS name, a user's domain.</summary>
    public string? Description { get; }
}
