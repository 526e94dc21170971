namespace SegVerify.Firewall.Dialects.FortiOS;

/// <summary>A problem found while reading a FortiOS configuration, with its position (reported as unsupported-syntax).</summary>
public sealed record FortiWarning(int Line, int Column, string Message, string MessageJa);

/// <summary>
/// The FortiOS vendor model of one VDOM: every table the analysis needs (interfaces, zones, addresses, groups,
/// services, VIPs, policies), built from the generic tree with FortiOS's own semantics for re-edits, renames,
/// moves, deletes and clones. Global tables (<c>config global</c>, or the whole file without VDOMs) and the VDOM's
/// tables are merged, the VDOM's last.
/// </summary>
public sealed class FortiOsConfig
{
    public required string File { get; init; }
    public required string Vdom { get; init; }
    /// <summary>True when the file has <c>config vdom</c> / <c>config global</c> (multi-VDOM mode).</summary>
    public required bool MultiVdom { get; init; }
    public required IReadOnlyList<string> VdomNames { get; init; }
    public string? Version { get; init; }
    public List<FortiWarning> Warnings { get; } = [];
    private readonly Dictionary<string, FgTable> _tables = new(StringComparer.Ordinal);

    /// <summary>The table at <paramref name="path"/> (e.g. <c>firewall address</c>); empty when the file has none.</summary>
    public FgTable Table(string path) => _tables.TryGetValue(path, out var t) ? t : new FgTable { Path = path };
    public bool HasTable(string path) => _tables.ContainsKey(path);

    /// <summary>The interfaces of this VDOM (those whose <c>set vdom</c> names it; without VDOMs, every interface).</summary>
    public IEnumerable<FgObject> Interfaces =>
        Table("system interface").Objects.Where(i => (i.Get("vdom") ?? "root") == Vdom || !MultiVdom && i.Get("vdom") is null);

    public IEnumerable<FgObject> Zones => Table("system zone").Objects;

    // Name limits and shared namespaces FortiOS enforces (Batfish's tests exercise them).
    private static readonly Dictionary<string, (int Max, string? Shared)> Namespaces = new(StringComparer.Ordinal)
    {
        ["firewall address"] = (79, "firewall addrgrp"),
        ["firewall addrgrp"] = (79, "firewall address"),
        ["firewall address6"] = (79, "firewall addrgrp6"),
        ["firewall addrgrp6"] = (79, "firewall address6"),
        ["firewall service custom"] = (79, "firewall service group"),
        ["firewall service group"] = (79, "firewall service custom"),
        ["system zone"] = (35, "system interface"),
        ["system interface"] = (15, "system zone"),
    };

    private FgTable NewTable(string path)
    {
        if (!Namespaces.TryGetValue(path, out var ns)) return new FgTable { Path = path };
        return new FgTable
        {
            Path = path, MaxNameLength = ns.Max,
            TakenElsewhere = ns.Shared is null ? null : name => _tables.TryGetValue(ns.Shared, out var o) && o.Contains(name),
        };
    }

    /// <summary>Reads <paramref name="doc"/> for <paramref name="vdom"/> (default root).</summary>
    public static FortiOsConfig Build(FgDocument doc, string? vdom)
    {
        var vdomBlocks = doc.Configs.Where(c => c.Path == "vdom").ToList();
        var globalBlocks = doc.Configs.Where(c => c.Path == "global").ToList();
        bool multi = globalBlocks.Count > 0 || vdomBlocks.Any(v => v.Edits.Any(e => e.Configs.Any()));
        var names = vdomBlocks.SelectMany(v => v.Edits).Select(e => e.Name.Text).Distinct().ToList();
        var want = vdom ?? "root";
        var scope = new List<FgConfig>();
        if (multi)
        {
            if (!names.Contains(want))
            {
                var line = vdomBlocks.Count > 0 ? vdomBlocks[0].Line : 1;
                throw new FortiParseException(doc.File, line, 1,
                    $"the configuration has no VDOM '{want}' (it has: {(names.Count == 0 ? "none" : string.Join(", ", names))}); choose one with --vdom",
                    $"設定に VDOM '{want}' がありません（あるもの: {(names.Count == 0 ? "なし" : string.Join(", ", names))}）。--vdom で指定してください");
            }
            foreach (var g in globalBlocks) scope.AddRange(g.Configs);
            // Top-level blocks other than vdom/global (rare) are taken as global.
            scope.AddRange(doc.Configs.Where(c => c.Path is not ("vdom" or "global")));
            foreach (var v in vdomBlocks)
                foreach (var e in v.Edits.Where(e => e.Name.Text == want))
                    scope.AddRange(e.Configs);
        }
        else
        {
            if (vdom is not null && vdom != "root")
                throw new FortiParseException(doc.File, 1, 1,
                    $"the configuration has no VDOMs, so --vdom {vdom} does not apply (its policies are those of root)",
                    $"設定に VDOM がないため --vdom {vdom} は使えません（ポリシーは root のものです）");
            scope.AddRange(doc.Configs.Where(c => c.Path != "vdom"));
        }
        var cfg = new FortiOsConfig
        {
            File = doc.File, Vdom = want, MultiVdom = multi, VdomNames = names, Version = doc.ConfigVersion,
        };
        cfg.Warnings.AddRange(doc.Warnings);
        foreach (var c in scope)
        {
            if (!cfg._tables.TryGetValue(c.Path, out var t)) cfg._tables[c.Path] = t = cfg.NewTable(c.Path);
            t.Apply(c, (item, en, ja) => cfg.Warnings.Add(new FortiWarning(item.Line, item.Column, en, ja)));
        }
        return cfg;
    }
}
