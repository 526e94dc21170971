using SegVerify.Firewall.Model;

namespace SegVerify.Firewall.Analysis;

/// <summary>The packets one translate line rewrote: as sent (what its match took) and as translated.</summary>
public sealed record NatGroup(AclLine Line, List<PacketBox> Sent, List<PacketBox> Translated);

/// <summary>What the destination-NAT stage makes of a set of packets: those it left alone and, per translate line, those it rewrote.</summary>
public sealed record NatStageResult(List<PacketBox> Untranslated, List<NatGroup> Translated);

/// <summary>
/// The destination-NAT stage folded over packet sets (see <see cref="FwRuleset"/>): the attachments that apply, in
/// order; a <see cref="LineAction.Translate"/> line rewrites what it matches and ends the stage for it, a drop is
/// final, an accept (or the ACL's default) leaves the packet as it is for the next attachment. A translate line whose
/// match is not fully understood may or may not match: what it may match goes on both translated and untranslated,
/// so no forwarded packet is missed. A redirect to the device itself forwards nothing.
/// </summary>
public static class DestinationNatStage
{
    public static NatStageResult Walk(SymbolicWalker walker, CompiledRuleset c, IReadOnlyList<AclAttachment> stage, List<PacketBox> input)
    {
        var cur = input;
        var groups = new Dictionary<AclLine, List<PacketBox>>();
        var order = new List<AclLine>();
        foreach (var a in stage)
        {
            var scope = PacketBox.Universe().With(Dim.Src, FieldDomains.Addresses(a.Families))
                .With(Dim.InIf, c.IfaceSet(a.InInterfaces)).With(Dim.OutIf, c.IfaceSet(a.OutInterfaces));
            var inside = new List<TaggedBox>();
            var next = new List<PacketBox>();
            foreach (var b in cur)
            {
                if (b.Intersect(scope) is { } i) inside.Add(new TaggedBox(i, null));
                b.SubtractInto(scope, next);
            }
            if (inside.Count > 0)
            {
                var r = walker.WalkEntry(a.Acl, inside);
                foreach (var t in r.Accepted)
                {
                    if (t.Rule is { Action: LineAction.Translate, Nat: not null } line)
                    {
                        if (!groups.TryGetValue(line, out var l)) { groups[line] = l = []; order.Add(line); }
                        l.Add(t.Box);
                        if (line.HasUnknown) next.Add(t.Box);
                    }
                    else next.Add(t.Box);
                }
            }
            cur = next;
        }
        var translated = new List<NatGroup>();
        foreach (var line in order)
        {
            if (line.Nat!.ToDevice) continue; // delivered to the device, not forwarded
            var sent = groups[line];
            var rewritten = new List<PacketBox>(sent.Count);
            foreach (var b in sent) NatRewrite.Symbolic(line.Nat, b, rewritten);
            translated.Add(new NatGroup(line, sent, rewritten));
        }
        return new NatStageResult(cur, translated);
    }
}
