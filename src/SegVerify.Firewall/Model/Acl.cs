namespace SegVerify.Firewall.Model;

/// <summary>What an ACL line does to the packets it matches.</summary>
public enum LineAction : byte
{
    /// <summary>Final accept (in a NAT ACL: stop translating, leave the packet as it is).</summary>
    Accept,
    /// <summary>Final drop.</summary>
    Drop,
    /// <summary>Final drop with an error sent back.</summary>
    Reject,
    /// <summary>Evaluate <see cref="AclLine.TargetAcl"/>; if it returns, go on with the next line (netfilter jump).</summary>
    Call,
    /// <summary>Evaluate <see cref="AclLine.TargetAcl"/> instead of the rest of this ACL (netfilter goto).</summary>
    Goto,
    /// <summary>Leave this ACL: back to the caller, or the ACL's <see cref="Acl.Default"/> at the top.</summary>
    Return,
    /// <summary>No decision (log, count, mark): go on with the next line.</summary>
    Continue,
    /// <summary>Rewrite the packet (<see cref="AclLine.Nat"/>) and stop evaluating the NAT stage. Only in NAT ACLs.</summary>
    Translate,
}

/// <summary>
/// A destination translation (DNAT): the new destination addresses and ports (null = unchanged; a set of several
/// values means "one of them", as a NAT pool or port range does), or the device itself (a redirect), after which the
/// packet is no longer forwarded.
/// </summary>
public sealed record NatTranslation(IntervalSet? DstAddresses, IntervalSet? DstPorts, bool ToDevice = false)
{
    /// <summary>
    /// When set, addresses are mapped one to one instead of picked from <see cref="DstAddresses"/> (static NAT of a
    /// range, e.g. a FortiOS VIP from <c>extip</c> a-b to <c>mappedip</c> c-d); <see cref="DstAddresses"/> is then
    /// the image of the matched range.
    /// </summary>
    public NatShift? AddressShift { get; init; }
    /// <summary>As <see cref="AddressShift"/> for destination ports (FortiOS <c>extport</c> a-b to <c>mappedport</c> c-d).</summary>
    public NatShift? PortShift { get; init; }
    /// <summary>
    /// The value <see cref="HeaderField.DstNat"/> takes in a packet this translation rewrote (at least 1; 0 means
    /// "not translated"). A dialect whose filters tell translations apart (FortiOS: one per virtual IP) gives each
    /// its own tag.
    /// </summary>
    public int Tag { get; init; } = 1;

    /// <summary>
    /// True when the dialect could not read where the translation goes (e.g. an nft <c>dnat</c> through
    /// <c>numgen</c> or a map filled at run time): the packet may go to any address of <see cref="DstAddresses"/>
    /// (the family's) and any port. The line also carries a <see cref="MatchUnknown"/>, so the analysis takes both
    /// ways: translated so, and not translated.
    /// </summary>
    public bool Unresolved { get; init; }

    /// <summary>A translation not understood, to any address of <paramref name="family"/> and any port (see <see cref="Unresolved"/>).</summary>
    public static NatTranslation Anywhere(Family family) => new(FieldDomains.Addresses(family), null) { Unresolved = true };
}

/// <summary>A one-to-one mapping of a range onto another: a value v at or above <see cref="From"/> becomes v - From + To.</summary>
public readonly record struct NatShift(UInt128 From, UInt128 To)
{
    public UInt128 Apply(UInt128 v) => To >= From ? v + (To - From) : v - (From - To);
    public UInt128 Invert(UInt128 v) => To >= From ? v - (To - From) : v + (From - To);

    /// <summary>The image of the values of <paramref name="s"/> that the mapping covers (at or above From, not past <paramref name="max"/> once mapped).</summary>
    public IntervalSet Apply(IntervalSet s, UInt128 max)
    {
        if (To >= From && To - From > max) return IntervalSet.Empty;
        var lo = From;
        var hi = To >= From ? max - (To - From) : max;
        var ranges = new List<(UInt128, UInt128)>();
        foreach (var (a, b) in s.Intersect(IntervalSet.Range(lo, hi)).Ranges()) ranges.Add((Apply(a), Apply(b)));
        return IntervalSet.FromRanges(ranges);
    }

    /// <summary>The values that map into <paramref name="s"/>.</summary>
    public IntervalSet Invert(IntervalSet s, UInt128 max)
    {
        if (From > To && From - To > max) return IntervalSet.Empty;
        var lo = To;
        var hi = To >= From ? max : max - (From - To);
        var ranges = new List<(UInt128, UInt128)>();
        foreach (var (a, b) in s.Intersect(IntervalSet.Range(lo, hi)).Ranges()) ranges.Add((Invert(a), Invert(b)));
        return IntervalSet.FromRanges(ranges);
    }
}

/// <summary>One line of an ACL: a match, an action, and where it is written.</summary>
public sealed class AclLine
{
    public required ConfigPos Pos { get; init; }
    /// <summary>The line as written (one line of text).</summary>
    public required string Text { get; init; }
    public required MatchExpr Match { get; init; }
    public required LineAction Action { get; init; }
    /// <summary>Name of the ACL called or gone to (Call, Goto); resolved by <see cref="FwRuleset.Link"/>.</summary>
    public string? Target { get; init; }
    /// <summary>The translation of a <see cref="LineAction.Translate"/> line.</summary>
    public NatTranslation? Nat { get; init; }
    /// <summary>True for an ACL's default line (a chain policy, an implicit deny).</summary>
    public bool IsDefault { get; init; }

    /// <summary>The ACL this line belongs to (set by <see cref="Acl.Add"/> or <see cref="Acl.Default"/>).</summary>
    public Acl Owner { get; internal set; } = null!;
    /// <summary>Position in its ACL (0-based); -1 for a default line.</summary>
    public int Index { get; internal set; } = -1;
    /// <summary>Number of the line in the whole ruleset (0-based, dense), set by <see cref="FwRuleset.Link"/>.</summary>
    public int Id { get; internal set; } = -1;
    /// <summary>The ACL of <see cref="Target"/> once linked.</summary>
    public Acl? TargetAcl { get; internal set; }

    public bool HasUnknown => Match.HasUnknown;

    public override string ToString() => $"{Pos} {Text}";
}

/// <summary>
/// An ordered list of lines, first match wins (Batfish's IpAccessList). An ACL that a stage evaluates directly has a
/// <see cref="Default"/> line (what happens to a packet no line decides); an ACL only called from other ACLs has
/// none (its packets return to the caller).
/// </summary>
public sealed class Acl
{
    private AclLine? _default;

    /// <summary>Unique name in the ruleset (a dialect may qualify it, e.g. "inet filter/forward").</summary>
    public required string Name { get; init; }
    public required ConfigPos Pos { get; init; }
    public List<AclLine> Lines { get; } = [];

    public AclLine? Default
    {
        get => _default;
        set
        {
            _default = value;
            if (value is not null) { value.Owner = this; value.Index = -1; }
        }
    }

    public AclLine Add(AclLine line)
    {
        line.Owner = this;
        line.Index = Lines.Count;
        Lines.Add(line);
        return line;
    }

    public override string ToString() => Name;
}

/// <summary>
/// Where an ACL applies: to packets of <see cref="Families"/> entering an interface matching
/// <see cref="InInterfaces"/> and leaving one matching <see cref="OutInterfaces"/> (null: any interface; patterns as
/// in <see cref="MatchInterface"/>). A global filter has both null, an ingress ACL only the first, a zone-pair
/// policy both.
/// </summary>
public sealed class AclAttachment
{
    public required Acl Acl { get; init; }
    public Family Families { get; init; } = Family.Both;
    public IReadOnlyList<string>? InInterfaces { get; init; }
    public IReadOnlyList<string>? OutInterfaces { get; init; }

    public bool AppliesTo(string inIf, string outIf) =>
        (InInterfaces is null || InInterfaces.Any(p => MatchInterface.PatternMatches(p, inIf))) &&
        (OutInterfaces is null || OutInterfaces.Any(p => MatchInterface.PatternMatches(p, outIf)));
}
