using SegVerify.Core.Net;

namespace SegVerify.Core.Topology;

/// <summary>Which zones an endpoint of a loaded topology can match (for summaries such as the validate matrix).</summary>
public static class EndpointZones
{
    /// <summary>
    /// Host: its zone. Zone: itself. CIDR: the zone of the longest segment containing all of it (or <c>external</c>
    /// when none does and the prefix is not wholly private), plus the zones of segments nested inside it. List: union.
    /// </summary>
    public static HashSet<Zone> Of(Topology t, Endpoint e)
    {
        var set = new HashSet<Zone>();
        Add(t, e, set);
        return set;
    }

    private static void Add(Topology t, Endpoint e, HashSet<Zone> set)
    {
        switch (e)
        {
            case HostEndpoint h: set.Add(h.Host.Zone); break;
            case ZoneEndpoint z: set.Add(z.Zone); break;
            case ListEndpoint l:
                foreach (var i in l.Items) Add(t, i, set);
                break;
            case CidrEndpoint c:
            {
                Segment? container = null;
                foreach (var z in t.Zones)
                foreach (var s in z.Segments)
                {
                    if (AddressScope.Covers(s.Cidr, c.Cidr))
                    {
                        if (container is null || s.Cidr.PrefixLength > container.Cidr.PrefixLength) container = s;
                    }
                    else if (AddressScope.Covers(c.Cidr, s.Cidr)) set.Add(z);
                }
                if (container is not null) set.Add(container.Zone);
                else if (!AddressScope.IsEntirelyNonGlobal(c.Cidr)) set.Add(t.External);
                break;
            }
        }
    }
}
