namespace SegVerify.Firewall.Model;

/// <summary>
/// A firewall configuration in the vendor-neutral model: ACLs, the stages that evaluate them on forwarded traffic,
/// and what the dialect could not read. It holds no dialect name and no analysis state; see Model/README.md.
/// <para>A forwarded packet meets, in order: the <see cref="DestinationNat"/> stage (the first attachment that
/// applies and translates decides; a drop there is final), then every <see cref="Filters"/> attachment that applies
/// to its interfaces and family, in order: each must accept it, a drop in any is final. A packet no filter
/// attachment applies to gets <see cref="Unfiltered"/>.</para>
/// </summary>
public sealed class FwRuleset
{
    public required string File { get; init; }
    /// <summary>The address families the configuration describes (an iptables-save file: IPv4 only).</summary>
    public Family Families { get; set; } = Family.Both;
    /// <summary>Every ACL, in the order written.</summary>
    public List<Acl> Acls { get; } = [];
    /// <summary>Forward filtering, in evaluation order.</summary>
    public List<AclAttachment> Filters { get; } = [];
    /// <summary>Destination NAT before filtering, in evaluation order (lines with <see cref="LineAction.Translate"/>).</summary>
    public List<AclAttachment> DestinationNat { get; } = [];
    /// <summary>ACLs evaluated on traffic this analysis does not judge (to or from the device itself); checked for consistency only.</summary>
    public List<Acl> OtherEntries { get; } = [];
    /// <summary>The verdict for a packet no filter attachment applies to (netfilter: forwarded; most appliances: denied).</summary>
    public AclLine Unfiltered { get; set; } = null!;
    /// <summary>How deep calls may nest (the device's limit); null when unlimited.</summary>
    public int? MaxCallDepth { get; set; }
    public List<ParseWarning> Warnings { get; } = [];

    /// <summary>Every line of every ACL (not default lines).</summary>
    public IEnumerable<AclLine> AllLines => Acls.SelectMany(c => c.Lines);

    /// <summary>Number of line ids given by <see cref="Link"/> (lines, default lines and <see cref="Unfiltered"/>).</summary>
    public int LineCount { get; private set; }

    /// <summary>The ACLs stages evaluate directly: filters, NAT, then other entries (each once).</summary>
    public IEnumerable<Acl> Entries =>
        Filters.Select(a => a.Acl).Concat(DestinationNat.Select(a => a.Acl)).Concat(OtherEntries).Distinct();

    public Acl? FindAcl(string name) => Acls.FirstOrDefault(a => a.Name == name);

    /// <summary>
    /// Resolves call/goto targets, numbers every line, and checks the call graph: a target that does not exist, a
    /// loop, or nesting deeper than <see cref="MaxCallDepth"/> from an entry is an error (the device would refuse
    /// the configuration), thrown as a <see cref="FirewallConfigException"/> with the position of the offending line.
    /// </summary>
    public void Link()
    {
        Unfiltered ??= new AclLine
        {
            Pos = new ConfigPos(File, 1, 1), Text = "(no filter applies: forwarded)", Match = MatchExpr.True,
            Action = LineAction.Accept, IsDefault = true,
        };
        var byName = new Dictionary<string, Acl>(StringComparer.Ordinal);
        var errors = new List<ConfigError>();
        foreach (var a in Acls)
            if (!byName.TryAdd(a.Name, a))
                errors.Add(new ConfigError(a.Pos, $"'{a.Name}' is defined twice", $"'{a.Name}' が二重に定義されています"));
        int id = 0;
        foreach (var a in Acls)
        {
            foreach (var l in a.Lines)
            {
                l.Id = id++;
                if (l.Action is LineAction.Call or LineAction.Goto)
                {
                    if (l.Target is not null && byName.TryGetValue(l.Target, out var t)) l.TargetAcl = t;
                    else errors.Add(new ConfigError(l.Pos, $"jump to an undefined chain '{l.Target}'", $"定義されていないチェイン '{l.Target}' へのジャンプです"));
                }
            }
            if (a.Default is not null) a.Default.Id = id++;
        }
        Unfiltered.Id = id++;
        LineCount = id;
        if (errors.Count > 0) throw new FirewallConfigException(errors);
        CheckGraph(errors);
        if (errors.Count > 0) throw new FirewallConfigException(errors);
    }

    /// <summary>Loops anywhere, and nesting depth from the entries, by iterative depth-first search (no recursion).</summary>
    private void CheckGraph(List<ConfigError> errors)
    {
        var state = new Dictionary<Acl, byte>(); // 1 = on the stack, 2 = done
        var height = new Dictionary<Acl, int>(); // longest call chain below an ACL (0 = calls nothing)
        var deepest = new Dictionary<Acl, AclLine?>();
        foreach (var root in Acls)
        {
            if (state.ContainsKey(root)) continue;
            var stack = new Stack<(Acl Acl, int Next)>();
            stack.Push((root, 0));
            state[root] = 1;
            while (stack.Count > 0)
            {
                var (acl, next) = stack.Pop();
                bool descended = false;
                for (int i = next; i < acl.Lines.Count; i++)
                {
                    var t = acl.Lines[i].TargetAcl;
                    if (t is null) continue;
                    if (!state.TryGetValue(t, out var s))
                    {
                        stack.Push((acl, i));
                        stack.Push((t, 0));
                        state[t] = 1;
                        descended = true;
                        break;
                    }
                    if (s == 1)
                    {
                        errors.Add(new ConfigError(acl.Lines[i].Pos,
                            $"jump from '{acl.Name}' to '{t.Name}' closes a loop (the kernel refuses it)",
                            $"'{acl.Name}' から '{t.Name}' へのジャンプでループになります（カーネルは受け付けません）"));
                        return;
                    }
                }
                if (descended) continue;
                int h = 0; AclLine? via = null;
                foreach (var l in acl.Lines)
                    if (l.TargetAcl is { } t && height[t] + 1 > h) { h = height[t] + 1; via = l; }
                height[acl] = h;
                deepest[acl] = via;
                state[acl] = 2;
            }
        }
        if (MaxCallDepth is not { } max) return;
        foreach (var e in Entries)
        {
            if (height[e] <= max) continue;
            // Follow the deepest path to the line where the limit is passed.
            var acl = e;
            AclLine? at = null;
            for (int level = 0; level <= max && deepest[acl] is { } l; level++) { at = l; acl = l.TargetAcl!; }
            errors.Add(new ConfigError(at?.Pos ?? e.Pos,
                $"jumps from '{e.Name}' nest {height[e]} deep; the kernel accepts at most {max}",
                $"'{e.Name}' からのジャンプの入れ子が {height[e]} 段あります（カーネルの上限は {max} 段）"));
            return;
        }
    }
}
