namespace SegVerify.Firewall.Dialects.FortiOS;

/// <summary>An attribute of an object after every <c>set</c>/<c>append</c>/<c>unset</c> applied, with where it was last written.</summary>
public sealed class FgAttr
{
    public required string Key { get; init; }
    public List<FgWord> Values { get; } = [];
    public int Line { get; set; }
    public int Column { get; set; }
    public string First => Values.Count > 0 ? Values[0].Text : "";
    public override string ToString() => $"{Key} {string.Join(' ', Values.Select(v => v.Text))}";
}

/// <summary>
/// One object of a FortiOS table (an address, a service, a policy, ...): the attributes of every <c>edit</c> of it
/// merged in order (re-entering an <c>edit</c> modifies the object), its nested blocks, and where it was first defined.
/// </summary>
public sealed class FgObject
{
    public required string Name { get; set; }
    /// <summary>The first <c>edit</c> line that defines it (a policy's <c>config_line</c>).</summary>
    public required int Line { get; set; }
    public required int Column { get; set; }
    public Dictionary<string, FgAttr> Attrs { get; } = new(StringComparer.Ordinal);
    public List<FgConfig> Nested { get; } = [];

    public FgAttr? this[string key] => Attrs.TryGetValue(key, out var a) ? a : null;
    public string? Get(string key) => Attrs.TryGetValue(key, out var a) && a.Values.Count > 0 ? a.Values[0].Text : null;
    public IReadOnlyList<string> List(string key) =>
        Attrs.TryGetValue(key, out var a) ? a.Values.Select(v => v.Text).ToList() : [];
    public bool Enabled(string key) => Get(key) == "enable";

    public void Apply(FgSetting s)
    {
        var key = s.Key.Text;
        switch (s.Verb)
        {
            case "set":
            case "select":
                {
                    var a = new FgAttr { Key = key, Line = s.Line, Column = s.Column };
                    a.Values.AddRange(s.Values);
                    Attrs[key] = a;
                    break;
                }
            case "append":
                {
                    if (!Attrs.TryGetValue(key, out var a)) Attrs[key] = a = new FgAttr { Key = key, Line = s.Line, Column = s.Column };
                    foreach (var v in s.Values)
                        if (!a.Values.Any(x => x.Text == v.Text)) a.Values.Add(v);
                    a.Line = s.Line; a.Column = s.Column;
                    break;
                }
            case "unselect":
                if (Attrs.TryGetValue(key, out var u)) u.Values.RemoveAll(x => s.Values.Any(v => v.Text == x.Text));
                break;
            default: // unset
                Attrs.Remove(key);
                break;
        }
    }

    public FgObject Clone(string name, int line, int column)
    {
        var c = new FgObject { Name = name, Line = line, Column = column };
        foreach (var (k, v) in Attrs)
        {
            var a = new FgAttr { Key = k, Line = v.Line, Column = v.Column };
            a.Values.AddRange(v.Values);
            c.Attrs[k] = a;
        }
        c.Nested.AddRange(Nested);
        return c;
    }

    public override string ToString() => Name;
}

/// <summary>
/// A FortiOS table (<c>config firewall address</c>, <c>config firewall policy</c>, ...) after every block of that
/// path was applied in order, with the table commands FortiOS writes: <c>rename A to B</c>, <c>delete A</c>,
/// <c>move A before|after B</c>, <c>clone A to B</c>, <c>purge</c>. Objects keep their listed order.
/// </summary>
public sealed class FgTable
{
    private readonly List<FgObject> _order = [];
    private readonly Dictionary<string, FgObject> _byName = new(StringComparer.Ordinal);

    public required string Path { get; init; }
    /// <summary>The longest name FortiOS accepts for an object of this table (0: no limit known).</summary>
    public int MaxNameLength { get; init; }
    /// <summary>True when a name is already used in this table's namespace by another table (addresses and groups, zones and interfaces).</summary>
    public Func<string, bool>? TakenElsewhere { get; init; }
    /// <summary>Where the first block of this table starts (for the implicit deny of a policy table).</summary>
    public int Line { get; set; }
    public int Column { get; set; }
    public IReadOnlyList<FgObject> Objects => _order;
    /// <summary>The settings made directly in the block, not in an <c>edit</c> (<c>config system settings</c>).</summary>
    public FgObject Settings { get; } = new() { Name = "", Line = 0, Column = 0 };
    public bool TryGet(string name, out FgObject obj) => _byName.TryGetValue(name, out obj!);
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>Applies one <c>config</c> block of this table; problems with commands go to <paramref name="warn"/>.</summary>
    public void Apply(FgConfig cfg, Action<FgItem, string, string> warn)
    {
        if (Line == 0) { Line = cfg.Line; Column = cfg.Column; }
        foreach (var item in cfg.Items)
        {
            switch (item)
            {
                case FgEdit e:
                    {
                        var name = e.Name.Text;
                        if (!_byName.TryGetValue(name, out var obj))
                        {
                            obj = new FgObject { Name = name, Line = e.Line, Column = e.Column };
                            _byName[name] = obj;
                            _order.Add(obj);
                        }
                        foreach (var sub in e.Items)
                        {
                            if (sub is FgSetting s) { BeforeSetting(obj, s); obj.Apply(s); }
                            else if (sub is FgConfig nc) obj.Nested.Add(nc);
                        }
                        break;
                    }
                case FgCommand c:
                    Command(c, warn);
                    break;
                case FgSetting s:
                    Settings.Apply(s);
                    break;
            }
        }
    }

    private static readonly string[] ProtocolFields =
        ["protocol-number", "icmptype", "icmpcode", "tcp-portrange", "udp-portrange", "sctp-portrange", "udplite-portrange"];

    /// <summary>FortiOS side effects of a setting: a custom service that changes protocol loses the old protocol's fields; unsetting an ICMP type unsets its code.</summary>
    private void BeforeSetting(FgObject obj, FgSetting s)
    {
        if (Path != "firewall service custom") return;
        var key = s.Key.Text;
        if (key == "protocol" && s.Verb == "set" && s.Values.Count > 0 && obj.Get("protocol") is { } old && old != s.Values[0].Text)
            foreach (var f in ProtocolFields) obj.Attrs.Remove(f);
        else if (key == "icmptype" && s.Verb == "unset")
            obj.Attrs.Remove("icmpcode");
    }

    private void Command(FgCommand c, Action<FgItem, string, string> warn)
    {
        var a = c.Args.Select(w => w.Text).ToList();
        switch (c.Verb)
        {
            case "delete":
                if (a.Count >= 1 && _byName.Remove(a[0], out var d)) _order.Remove(d);
                else warn(c, $"'delete {string.Join(' ', a)}': no such entry in {Path}", $"'delete {string.Join(' ', a)}': {Path} にその項目がありません");
                break;
            case "purge":
                _order.Clear(); _byName.Clear();
                break;
            case "rename":
                if (a.Count == 3 && a[1] == "to" && _byName.TryGetValue(a[0], out var r) && !_byName.ContainsKey(a[2])
                    && (MaxNameLength == 0 || a[2].Length <= MaxNameLength) && TakenElsewhere?.Invoke(a[2]) != true)
                {
                    _byName.Remove(a[0]);
                    r.Name = a[2];
                    _byName[a[2]] = r;
                }
                else warn(c, $"'rename {string.Join(' ', a)}' cannot be applied in {Path} (expected: rename OLD to NEW, OLD defined, NEW free and not too long)",
                    $"'rename {string.Join(' ', a)}' を {Path} に適用できません（rename 旧名 to 新名、旧名が定義済みで新名が未使用かつ長すぎないこと）");
                break;
            case "move":
                if (a.Count == 3 && a[1] is "before" or "after" && _byName.TryGetValue(a[0], out var m) && _byName.TryGetValue(a[2], out var anchor) && m != anchor)
                {
                    _order.Remove(m);
                    int at = _order.IndexOf(anchor);
                    _order.Insert(a[1] == "before" ? at : at + 1, m);
                }
                else warn(c, $"'move {string.Join(' ', a)}' cannot be applied in {Path} (expected: move ID before|after ID, both defined)",
                    $"'move {string.Join(' ', a)}' を {Path} に適用できません（move ID before|after ID、両方が定義済みであること）");
                break;
            case "clone":
                if (a.Count == 3 && a[1] == "to" && _byName.TryGetValue(a[0], out var src) && !_byName.ContainsKey(a[2]))
                {
                    var copy = src.Clone(a[2], c.Line, c.Column);
                    _byName[a[2]] = copy;
                    _order.Add(copy);
                }
                else warn(c, $"'clone {string.Join(' ', a)}' cannot be applied in {Path} (expected: clone ID to NEWID, ID defined, NEWID free)",
                    $"'clone {string.Join(' ', a)}' を {Path} に適用できません（clone ID to 新ID、ID が定義済みで新ID が未使用であること）");
                break;
            default:
                warn(c, $"command '{c.Verb}' in {Path} is not understood (ignored)", $"{Path} のコマンド '{c.Verb}' は解釈できません（無視します）");
                break;
        }
    }
}
