using SegVerify.Firewall.Model;

namespace SegVerify.Firewall.Dialects.Netfilter;

/// <summary>
/// Lowers the netfilter vendor model to the vendor-neutral model: every chain becomes an ACL named
/// <c>table/chain</c>; the base chains of type filter on the forward hook become the filter attachments (priority
/// order), those of type nat on the prerouting hook the destination-NAT stage; the other base chains are kept as
/// other entries for consistency checks. A packet no forward chain sees is forwarded (the kernel's behaviour).
/// </summary>
public static class NetfilterLowering
{
    /// <param name="otherEntries">Which other base chains to keep for consistency checks.</param>
    public static FwRuleset Lower(NfRuleset nf, Func<NfChain, bool> otherEntries)
    {
        OriginalDestination.Lower(nf);
        var rs = new FwRuleset { File = nf.File, Families = nf.Families, MaxCallDepth = nf.MaxJumpDepth };
        rs.Warnings.AddRange(nf.Warnings);
        var acls = new Dictionary<NfChain, Acl>();
        foreach (var c in nf.Chains)
        {
            var acl = new Acl { Name = c.QualifiedName, Pos = c.Pos };
            foreach (var r in c.Rules)
            {
                acl.Add(new AclLine
                {
                    Pos = r.Pos, Text = r.Text, Match = r.Match, Action = Action(r.Verdict), Nat = Nat(r),
                    Target = r.Target is null ? null : $"{c.Table}/{r.Target}",
                });
            }
            if (c.IsBase)
                acl.Default = new AclLine
                {
                    Pos = c.PolicyPos, Text = c.PolicyText, Match = MatchExpr.True, IsDefault = true,
                    Action = c.PolicyDrop ? LineAction.Drop : LineAction.Accept,
                };
            acls[c] = acl;
            rs.Acls.Add(acl);
        }
        var bases = nf.Chains.Where(c => c.IsBase).OrderBy(c => c.Priority).ToList(); // stable: file order within a priority
        foreach (var c in bases)
        {
            if (c.Hook == "forward" && c.Type == "filter") rs.Filters.Add(new AclAttachment { Acl = acls[c], Families = c.Family });
            else if (c.Hook == "prerouting" && c.Type == "nat") rs.DestinationNat.Add(new AclAttachment { Acl = acls[c], Families = c.Family });
            else if (otherEntries(c)) rs.OtherEntries.Add(acls[c]);
        }
        rs.Unfiltered = new AclLine
        {
            Pos = new ConfigPos(nf.File, 1, 1), Text = "(no filter chain on the forward hook for this family: forwarded)",
            Match = MatchExpr.True, Action = LineAction.Accept, IsDefault = true,
        };
        rs.Link();
        return rs;
    }

    private static LineAction Action(NfVerdict v) => v switch
    {
        NfVerdict.Accept => LineAction.Accept,
        NfVerdict.Drop => LineAction.Drop,
        NfVerdict.Reject => LineAction.Reject,
        NfVerdict.Jump => LineAction.Call,
        NfVerdict.Goto => LineAction.Goto,
        NfVerdict.Return => LineAction.Return,
        NfVerdict.Dnat or NfVerdict.Redirect => LineAction.Translate,
        _ => LineAction.Continue,
    };

    private static NatTranslation? Nat(NfRule r) => r.Verdict switch
    {
        NfVerdict.Dnat => r.Nat,
        NfVerdict.Redirect => r.Nat ?? new NatTranslation(null, null, ToDevice: true),
        _ => null,
    };
}
