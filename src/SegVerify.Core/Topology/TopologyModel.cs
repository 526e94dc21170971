using SegVerify.Core.Net;

namespace SegVerify.Core.Topology;

/// <summary>The role a zone plays in the three-tier separation (三層の対策).</summary>
public enum Tier : byte
{
    MyNumber = 0,
    Lgwan = 1,
    Internet = 2,
    Dmz = 3,
    LgwanWan = 4,
    PublicInstitution = 5,
    External = 6,
}

/// <summary>The 三層分離 model the municipality follows (α, α', β, β').</summary>
public enum SeparationModel : byte { Alpha, AlphaPrime, Beta, BetaPrime }

public static class TierNames
{
    public const int Count = 7;
    private static readonly string[] Ids = ["mynumber", "lgwan", "internet", "dmz", "lgwan-wan", "public-institution", "external"];
    private static readonly string[] Ja = ["マイナンバー利用事務系", "LGWAN接続系", "インターネット接続系", "外部公開セグメント", "LGWAN", "国等の公的機関", "インターネット"];
    private static readonly string[] En = ["My Number business", "LGWAN-connected", "Internet-connected", "DMZ", "LGWAN (WAN)", "public institution", "Internet"];

    public static string Id(Tier t) => Ids[(int)t];
    public static string Japanese(Tier t) => Ja[(int)t];
    public static string English(Tier t) => En[(int)t];

    public static bool TryParse(string s, out Tier t)
    {
        int i = Array.IndexOf(Ids, s);
        t = (Tier)Math.Max(i, 0);
        return i >= 0;
    }

    public static string ModelId(SeparationModel m) => m switch
    {
        SeparationModel.Alpha => "alpha",
        SeparationModel.AlphaPrime => "alpha-prime",
        SeparationModel.Beta => "beta",
        _ => "beta-prime",
    };

    public static bool TryParseModel(string s, out SeparationModel m)
    {
        switch (s)
        {
            case "alpha": m = SeparationModel.Alpha; return true;
            case "alpha-prime": m = SeparationModel.AlphaPrime; return true;
            case "beta": m = SeparationModel.Beta; return true;
            case "beta-prime": m = SeparationModel.BetaPrime; return true;
            default: m = default; return false;
        }
    }
}

/// <summary>Where something was written in the topology file (1-based line and column).</summary>
public readonly record struct SourcePos(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}

/// <summary>One proto/port range of a service. <see cref="Protocol"/> 1 (icmp) also matches ICMPv6 (58).</summary>
public readonly record struct ServiceEntry(byte Protocol, ushort Low, ushort High)
{
    private static readonly byte[] IcmpBoth = [IpProto.Icmp, IpProto.IcmpV6];

    /// <summary>The protocols the entry covers (icmp covers ICMPv6 too).</summary>
    public IReadOnlyList<byte> Protocols => Protocol == IpProto.Icmp ? IcmpBoth : [Protocol];

    /// <summary>True when the entry limits the responder port to Low..High (its protocol carries ports).</summary>
    public bool LimitsPort => IpProto.HasPorts(Protocol);

    /// <summary>True when a flow of this protocol to this responder port is in the entry.</summary>
    public bool Matches(byte proto, ushort port)
    {
        if (Protocol == IpProto.Icmp) return proto is IpProto.Icmp or IpProto.IcmpV6;
        if (Protocol != proto) return false;
        return !LimitsPort || (port >= Low && port <= High);
    }

    public override string ToString() =>
        Protocol == IpProto.Icmp ? "icmp"
        : !IpProto.HasPorts(Protocol) ? IpProto.Name(Protocol)
        : Low == High ? $"{IpProto.Name(Protocol)}/{Low}" : $"{IpProto.Name(Protocol)}/{Low}-{High}";
}

/// <summary>A named set of service entries.</summary>
public sealed class ServiceSet
{
    /// <summary>The entries as an array: <see cref="Matches"/> runs once per flow and rule, without an enumerator.</summary>
    private readonly ServiceEntry[] _entries;

    public string Name { get; }
    public IReadOnlyList<ServiceEntry> Entries => _entries;
    public ServiceSet(string name, IReadOnlyList<ServiceEntry> entries) { Name = name; _entries = [.. entries]; }

    public bool Matches(byte proto, ushort port)
    {
        foreach (var e in _entries)
            if (e.Matches(proto, port)) return true;
        return false;
    }

    public override string ToString() => Name;
}

public sealed class Segment
{
    public required Cidr Cidr { get; init; }
    /// <summary>802.1Q VLAN id the segment lives on, when declared.</summary>
    public int? Vlan { get; init; }
    public required Zone Zone { get; init; }
    public SourcePos Pos { get; init; }
}

public sealed class Zone
{
    public required string Name { get; init; }
    public required Tier Tier { get; init; }
    /// <summary>Dense index 0..N-1 in <see cref="Topology.Zones"/>; the implicit external zone is the last.</summary>
    public int Index { get; set; }
    public List<Segment> Segments { get; } = [];
    public bool RegisteredMacsOnly { get; set; }
    public HashSet<MacAddr> RegisteredMacs { get; } = [];
    public HashSet<MacAddr> GatewayMacs { get; } = [];
    /// <summary>True only for the implicit zone <c>external</c>.</summary>
    public bool IsImplicitExternal { get; init; }
    public SourcePos Pos { get; init; }
    public override string ToString() => Name;
}

public sealed class Host
{
    public required string Name { get; init; }
    public required Zone Zone { get; init; }
    public List<IpAddr> Ips { get; } = [];
    public MacAddr? Mac { get; init; }
    /// <summary>Services the host offers; null when the host lists none (then undeclared-service never applies).</summary>
    public List<ServiceSet>? Services { get; set; }
    public SourcePos Pos { get; init; }
    public override string ToString() => Name;

    public bool OffersService(byte proto, ushort port)
    {
        if (Services is null) return true;
        foreach (var s in Services)
            if (s.Matches(proto, port)) return true;
        return false;
    }
}

/// <summary>Where a rule starts or ends.</summary>
public abstract class Endpoint
{
    public SourcePos Pos { get; init; }
}

public sealed class HostEndpoint(Host host) : Endpoint
{
    public Host Host { get; } = host;
    public override string ToString() => Host.Name;
}

public sealed class ZoneEndpoint(Zone zone) : Endpoint
{
    public Zone Zone { get; } = zone;
    public override string ToString() => $"zone:{Zone.Name}";
}

public sealed class CidrEndpoint(Cidr cidr) : Endpoint
{
    public Cidr Cidr { get; } = cidr;
    public override string ToString() => $"cidr:{Cidr}";
}

public sealed class ListEndpoint(IReadOnlyList<Endpoint> items) : Endpoint
{
    public IReadOnlyList<Endpoint> Items { get; } = items;
    /// <summary><see cref="Items"/> as an array, for the policy's per-flow matching (no enumerator).</summary>
    internal Endpoint[] ItemArray { get; } = [.. items];
    public override string ToString() => "[" + string.Join(", ", Items) + "]";
}

public enum RuleKind : byte { Allow, Sanitization }

/// <summary>An <c>allow</c> rule or a <c>sanitization</c> path: one-way, from initiator to responder.</summary>
public sealed class PolicyRule
{
    public required string Name { get; init; }
    public required RuleKind Kind { get; init; }
    /// <summary>Sanitisation method (mail-text, screen-transfer, file-sanitization, ...); null for allow rules.</summary>
    public string? Method { get; init; }
    public required Endpoint From { get; init; }
    public required Endpoint To { get; init; }
    /// <summary>Services the rule admits; null means any service (only allowed where the format permits it).</summary>
    public IReadOnlyList<ServiceSet>? Services
    {
        get => _services;
        init { _services = value; _serviceArray = value is null ? null : [.. value]; }
    }
    private readonly IReadOnlyList<ServiceSet>? _services;
    /// <summary><see cref="Services"/> as an array: <see cref="ServiceMatches"/> runs once per flow and rule, without an enumerator.</summary>
    private readonly ServiceSet[]? _serviceArray;
    public string? Reason { get; init; }
    /// <summary>Last day the exception is valid (inclusive); a flow starting after it is <c>expired-exception</c>.</summary>
    public DateOnly? Expires { get; init; }
    /// <summary>Where the <c>expires</c> value is written (null without one).</summary>
    public SourcePos? ExpiresPos { get; init; }
    public SourcePos Pos { get; init; }

    public bool ServiceMatches(byte proto, ushort port)
    {
        if (_serviceArray is null) return true;
        foreach (var s in _serviceArray)
            if (s.Matches(proto, port)) return true;
        return false;
    }

    public override string ToString() => Name;
}

public sealed class Limits
{
    public long? LargeTransferBytes { get; init; }
}

public sealed class FirewallDef
{
    public required string Name { get; init; }
    /// <summary>Interface name to zone.</summary>
    public Dictionary<string, Zone> Interfaces { get; } = new(StringComparer.Ordinal);
    public SourcePos Pos { get; init; }
}

/// <summary>A loaded, validated topology (format v1).</summary>
public sealed class Topology
{
    public required string SourcePath { get; init; }
    /// <summary>SHA-256 of the file's bytes, lowercase hex.</summary>
    public required string Sha256 { get; init; }
    public int Version { get; init; } = 1;
    public required string Name { get; init; }
    public required SeparationModel Model { get; init; }
    /// <summary>Effective services: built-ins overlaid by the file's <c>services:</c>.</summary>
    public Dictionary<string, ServiceSet> Services { get; } = new(StringComparer.Ordinal);
    /// <summary>Declared zones in file order, then the implicit <c>external</c> zone last (unless declared).</summary>
    public List<Zone> Zones { get; } = [];
    public List<Host> Hosts { get; } = [];
    public List<PolicyRule> Sanitization { get; } = [];
    public List<PolicyRule> Allow { get; } = [];
    public Limits Limits { get; set; } = new();
    public Dictionary<string, FirewallDef> Firewalls { get; } = new(StringComparer.Ordinal);

    /// <summary>Things the loader noticed that are legal but probably unintended (file order). Additive.</summary>
    public List<TopologyError> Warnings { get; } = [];

    /// <summary>The zone that global addresses outside every segment belong to.</summary>
    public required Zone External { get; init; }

    public Zone? FindZone(string name) => Zones.FirstOrDefault(z => z.Name == name);
    public Host? FindHost(string name) => Hosts.FirstOrDefault(h => h.Name == name);

    /// <summary>Allow rules and sanitisation paths, sanitisation first.</summary>
    public IEnumerable<PolicyRule> AllRules => Sanitization.Concat(Allow);
}
