using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using SegVerify.Core.Output;
using SegVerify.Core.Policy;
using SegVerify.Core.Topology;

namespace SegVerify.Cli.Commands;

/// <summary><c>segverify topology validate FILE</c>: load a topology, print its zones and effective tier matrix, or its errors.</summary>
public static class TopologyCommand
{
    private const string AllowWord = "allow";

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var cmd = new Command("topology", "Work with topology files / トポロジーファイルの操作");
        var validate = new Command("validate", "Load a topology and print its zones and effective tier matrix, or every error (exit 2) / トポロジーを検証する");
        var file = new Argument<string>("file") { Description = "The topology file (YAML, format v1)" };
        var now = new Option<string?>("--now")
        {
            Description = "Date-time (UTC, ISO 8601) from which allow rules count as expired or expiring within 30 days (default: now) / 期限判定の基準日時",
        };
        var common = new CommonOptions();
        validate.Arguments.Add(file);
        validate.Options.Add(now);
        common.AddTo(validate);
        validate.SetAction(pr =>
        {
            var lang = CommonOptions.ResolveLanguage(pr.GetValue(common.Lang));
            DateTime nowUtc = DateTime.UtcNow;
            if (pr.GetValue(now) is { } nowText)
            {
                if (!DateTime.TryParse(nowText, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out nowUtc))
                {
                    stderr.WriteLine(lang == "ja" ? $"segverify: --now は ISO 8601 の日時で指定してください: {nowText}" : $"segverify: --now must be an ISO 8601 date-time: {nowText}");
                    return ExitCodes.Usage;
                }
            }
            return Validate(pr.GetValue(file)!, pr.GetValue(common.Format), pr.GetValue(common.Output), lang, stdout, stderr, nowUtc);
        });
        cmd.Subcommands.Add(validate);

        var schema = new Command("schema", "Print the JSON Schema of the topology format v1 (for editors; also topologies/topology.schema.json) / トポロジー形式の JSON Schema を出力する");
        var schemaOutput = new Option<string?>("--output", "-o")
        {
            Description = "Write the schema to this file, put in place only once complete (default: standard output)",
        };
        schema.Options.Add(schemaOutput);
        schema.SetAction(pr =>
        {
            if (pr.GetValue(schemaOutput) is not { } outputFile)
            {
                stdout.Write(TopologySchema.Text);
                stdout.Flush();
                return ExitCodes.Ok;
            }
            // a temporary file beside the target, renamed over it once written; a write error is exit 2 naming it
            using var file = AtomicOutputFile.Open(outputFile, [], CommonOptions.ResolveLanguage(null));
            file.Write(Encoding.UTF8.GetBytes(TopologySchema.Text));
            file.Flush();
            AtomicOutputFile.Complete(file);
            return ExitCodes.Ok;
        });
        cmd.Subcommands.Add(schema);
        return cmd;
    }

    /// <param name="nowUtc">The moment allow rules' <c>expires</c> days are compared with (default: now).</param>
    internal static int Validate(string path, string? format, string? outputFile, string? langOpt, TextWriter stdout, TextWriter stderr,
        DateTime? nowUtc = null)
    {
        var lang = CommonOptions.ResolveLanguage(langOpt);
        bool ja = lang == "ja";
        // A person reads a topology check, also through a pager (topology validate FILE | less): text unless asked.
        var fmt = CommonOptions.ResolveFormat(format, outputFile, otherwise: "text");
        if (fmt is not ("text" or "jsonl"))
        {
            stderr.WriteLine(ja ? $"segverify topology validate: --format {fmt} には対応していません（text か jsonl を指定してください）"
                                : $"segverify topology validate: --format {fmt} is not supported here (expected text or jsonl)");
            return ExitCodes.Usage;
        }

        Topology? topology = null;
        IReadOnlyList<TopologyError> errors = [];
        try
        {
            topology = TopologyLoader.Load(path, lang);
        }
        catch (TopologyException ex)
        {
            errors = ex.Errors;
        }

        TextWriter output = stdout;
        StreamWriter? fileWriter = null;
        Stream? file = null;
        if (outputFile is not null)
        {
            // a temporary file beside the target, renamed over it once written; refused when it is the topology
            try
            {
                file = AtomicOutputFile.Open(outputFile, [path], lang);
            }
            catch (OutputWriteException ex)
            {
                stderr.WriteLine("segverify: " + ex.Message);
                return ExitCodes.Usage;
            }
            fileWriter = new StreamWriter(file, new UTF8Encoding(false));
            output = fileWriter;
        }
        try
        {
            if (topology is null)
            {
                foreach (var e in errors) stderr.WriteLine(e.ToString());
                stderr.WriteLine(ja ? $"segverify: トポロジーは無効です（エラー {errors.Count} 件）" : $"segverify: the topology is invalid ({errors.Count} error{(errors.Count == 1 ? "" : "s")})");
                if (fmt == "jsonl") WriteErrorsJsonl(output, path, errors);
                Finish(output, file);
                return ExitCodes.Usage;
            }
            // The loader's warnings and the exceptions that have expired or expire soon, in file order.
            var warnings = topology.Warnings.Concat(RuleExpiry.Warnings(topology, nowUtc ?? DateTime.UtcNow, lang))
                .OrderBy(w => w.Line == 0 ? int.MaxValue : w.Line).ThenBy(w => w.Column).ToList();
            foreach (var w in warnings)
                stderr.WriteLine(ja ? $"{w.File}:{w.Line}:{w.Column}: 警告: {w.Message}" : $"{w.File}:{w.Line}:{w.Column}: warning: {w.Message}");
            if (fmt == "jsonl") WriteJsonl(output, topology, warnings, ja);
            else WriteText(output, topology, ja);
            Finish(output, file);
            return ExitCodes.Ok;
        }
        finally
        {
            // an output not finished (a write error) is removed; a finished one is renamed into place
            fileWriter?.Dispose();
        }
    }

    /// <summary>Flushes the output (a write error names it and is exit 2) and marks an --output file complete.</summary>
    private static void Finish(TextWriter output, Stream? file)
    {
        output.Flush();
        if (file is not null) AtomicOutputFile.Complete(file);
    }

    // ------------------------------------------------------------------ shared helpers

    private static string TierLabel(Tier t, bool ja) => $"{TierNames.Id(t)} ({(ja ? TierNames.Japanese(t) : TierNames.English(t))})";

    /// <summary>The matrix cell: "allow" or the finding id, from the zones' tiers (intra-zone is always allowed).</summary>
    internal static string Cell(Zone from, Zone to) =>
        PolicyEngine.ZoneDefault(from, to) ?? AllowWord;

    /// <summary>Zone pairs (initiator, responder) where some allow rule or sanitisation path adds an exception.</summary>
    private static HashSet<(Zone, Zone)> ExceptionPairs(Topology t)
    {
        var pairs = new HashSet<(Zone, Zone)>();
        foreach (var r in t.AllRules)
        {
            var to = EndpointZones.Of(t, r.To);
            foreach (var a in EndpointZones.Of(t, r.From))
            foreach (var b in to)
            {
                if (a == b) continue;
                // mynumber <-> external is never excepted, whatever a rule says.
                if (PolicyEngine.IsHardBlocked(a, b)) continue;
                pairs.Add((a, b));
            }
        }
        return pairs;
    }

    private static string Services(PolicyRule r) => r.Services is null ? "any" : string.Join(", ", r.Services.Select(s => s.Name));

    private static string EndpointText(Endpoint e) => e switch
    {
        ZoneEndpoint z => $"{{zone: {z.Zone.Name}}}",
        CidrEndpoint c => $"{{cidr: {c.Cidr}}}",
        ListEndpoint l => "[" + string.Join(", ", l.Items.Select(EndpointText)) + "]",
        _ => e.ToString() ?? "",
    };

    /// <summary>Terminal columns a string takes (East Asian wide characters count two).</summary>
    internal static int DisplayWidth(string s)
    {
        int w = 0;
        foreach (var r in s.EnumerateRunes())
        {
            int v = r.Value;
            bool wide = v is >= 0x1100 and <= 0x115F or >= 0x2E80 and <= 0xA4CF or >= 0xAC00 and <= 0xD7A3
                or >= 0xF900 and <= 0xFAFF or >= 0xFE30 and <= 0xFE4F or >= 0xFF00 and <= 0xFF60 or >= 0xFFE0 and <= 0xFFE6
                or >= 0x20000 and <= 0x3FFFD;
            w += wide ? 2 : 1;
        }
        return w;
    }

    private static string Pad(string s, int width) => s + new string(' ', Math.Max(0, width - DisplayWidth(s)));

    // ------------------------------------------------------------------ text

    private static void WriteText(TextWriter o, Topology t, bool ja)
    {
        o.WriteLine(ja ? $"トポロジー: {t.Name}" : $"Topology: {t.Name}");
        o.WriteLine(ja ? $"ファイル:   {t.SourcePath}" : $"File:     {t.SourcePath}");
        o.WriteLine(ja ? $"モデル:     {TierNames.ModelId(t.Model)}" : $"Model:    {TierNames.ModelId(t.Model)}");
        o.WriteLine($"SHA-256:  {t.Sha256}");
        o.WriteLine();

        o.WriteLine(ja ? $"ゾーン（{t.Zones.Count}）:" : $"Zones ({t.Zones.Count}):");
        int nameW = t.Zones.Max(z => DisplayWidth(z.Name));
        foreach (var z in t.Zones)
        {
            int hosts = t.Hosts.Count(h => h.Zone == z);
            string extra = z.IsImplicitExternal
                ? (ja ? "暗黙: どのセグメントにも含まれないグローバルアドレス" : "implicit: every global address no segment covers")
                : (ja ? $"ホスト {hosts} 台" : $"{hosts} host{(hosts == 1 ? "" : "s")}") + (z.RegisteredMacsOnly ? (ja ? "、登録 MAC のみ" : ", registered MACs only") : "");
            if (z.IsImplicitExternal && hosts > 0) extra += ja ? $"（ホスト {hosts} 台）" : $" ({hosts} named host{(hosts == 1 ? "" : "s")})";
            o.WriteLine($"  {Pad(z.Name, nameW)}  {TierLabel(z.Tier, ja)}  {extra}");
            foreach (var s in z.Segments)
                o.WriteLine(s.Vlan is { } v ? $"      {s.Cidr}  vlan {v}" : $"      {s.Cidr}");
        }
        o.WriteLine();

        o.WriteLine(ja ? $"無害化経路（{t.Sanitization.Count}）:" : $"Sanitization paths ({t.Sanitization.Count}):");
        foreach (var r in t.Sanitization)
            o.WriteLine($"  {r.Name}  [{r.Method}]  {EndpointText(r.From)} -> {EndpointText(r.To)}  {(ja ? "サービス" : "services")}: {Services(r)}");
        o.WriteLine(ja ? $"許可ルール（{t.Allow.Count}）:" : $"Allow rules ({t.Allow.Count}):");
        foreach (var r in t.Allow)
        {
            var line = new StringBuilder($"  {r.Name}  {EndpointText(r.From)} -> {EndpointText(r.To)}  {(ja ? "サービス" : "services")}: {Services(r)}");
            if (r.Expires is { } d) line.Append(ja ? $"  期限: {d:yyyy-MM-dd}" : $"  expires: {d:yyyy-MM-dd}");
            if (r.Reason is { } why) line.Append(ja ? $"  理由: {why}" : $"  reason: {why}");
            o.WriteLine(line.ToString());
        }
        o.WriteLine();

        var exceptions = ExceptionPairs(t);
        o.WriteLine(ja
            ? "実効ティア行列（行: 開始側、列: 応答側。* はルールか無害化経路による例外が上乗せされることを示す）:"
            : "Effective tier matrix (rows: initiator, columns: responder; * = allow rules or sanitization paths add exceptions on top):");
        var cells = t.Zones.Select(a => t.Zones.Select(b => Cell(a, b) + (exceptions.Contains((a, b)) ? "*" : "")).ToArray()).ToArray();
        int rowW = Math.Max(nameW, DisplayWidth(ja ? "開始側＼応答側" : "from \\ to"));
        var colW = t.Zones.Select((z, j) => Math.Max(DisplayWidth(z.Name), cells.Max(r => r[j].Length))).ToArray();
        var header = new StringBuilder("  " + Pad(ja ? "開始側＼応答側" : "from \\ to", rowW));
        for (int j = 0; j < t.Zones.Count; j++) header.Append("  ").Append(Pad(t.Zones[j].Name, colW[j]));
        o.WriteLine(header.ToString().TrimEnd());
        for (int i = 0; i < t.Zones.Count; i++)
        {
            var row = new StringBuilder("  " + Pad(t.Zones[i].Name, rowW));
            for (int j = 0; j < t.Zones.Count; j++) row.Append("  ").Append(Pad(cells[i][j], colW[j]));
            o.WriteLine(row.ToString().TrimEnd());
        }
        o.WriteLine();
        o.WriteLine(ja ? "トポロジーは有効です。" : "The topology is valid.");
    }

    // ------------------------------------------------------------------ JSON Lines

    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false };

    private static void Line(TextWriter o, Action<Utf8JsonWriter> body)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, JsonOptions))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        o.Write(Encoding.UTF8.GetString(ms.ToArray()));
        o.Write('\n');
    }

    private static void WriteErrorsJsonl(TextWriter o, string path, IReadOnlyList<TopologyError> errors)
    {
        foreach (var e in errors)
            Line(o, w =>
            {
                w.WriteString("event", "error");
                w.WriteString("file", e.File);
                w.WriteNumber("line", e.Line);
                w.WriteNumber("column", e.Column);
                w.WriteString("message", e.Message);
            });
        Line(o, w =>
        {
            w.WriteString("event", "topology");
            w.WriteBoolean("valid", false);
            w.WriteString("file", path);
            w.WriteNumber("errors", errors.Count);
        });
    }

    private static void WriteJsonl(TextWriter o, Topology t, IReadOnlyList<TopologyError> warnings, bool ja)
    {
        foreach (var wn in warnings)
            Line(o, w =>
            {
                w.WriteString("event", "topology_warning");
                w.WriteString("file", wn.File);
                w.WriteNumber("line", wn.Line);
                w.WriteNumber("column", wn.Column);
                w.WriteString("message", wn.Message);
            });
        foreach (var z in t.Zones)
            Line(o, w =>
            {
                w.WriteString("event", "zone");
                w.WriteString("name", z.Name);
                w.WriteNumber("index", z.Index);
                w.WriteString("tier", TierNames.Id(z.Tier));
                w.WriteString("tier_name", ja ? TierNames.Japanese(z.Tier) : TierNames.English(z.Tier));
                w.WriteBoolean("implicit", z.IsImplicitExternal);
                w.WriteStartArray("segments");
                foreach (var s in z.Segments)
                {
                    w.WriteStartObject();
                    w.WriteString("cidr", s.Cidr.ToString());
                    if (s.Vlan is { } v) w.WriteNumber("vlan", v);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteNumber("hosts", t.Hosts.Count(h => h.Zone == z));
                w.WriteBoolean("registered_macs_only", z.RegisteredMacsOnly);
            });
        foreach (var r in t.AllRules)
            Line(o, w =>
            {
                w.WriteString("event", "rule");
                w.WriteString("name", r.Name);
                w.WriteString("kind", r.Kind == RuleKind.Allow ? "allow" : "sanitization");
                if (r.Method is not null) w.WriteString("method", r.Method);
                w.WriteString("from", EndpointText(r.From));
                w.WriteString("to", EndpointText(r.To));
                if (r.Services is not null)
                {
                    w.WriteStartArray("services");
                    foreach (var s in r.Services) w.WriteStringValue(s.Name);
                    w.WriteEndArray();
                }
                if (r.Expires is { } d) w.WriteString("expires", d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                if (r.Reason is not null) w.WriteString("reason", r.Reason);
            });
        Line(o, w =>
        {
            w.WriteString("event", "matrix");
            w.WriteStartArray("zones");
            foreach (var z in t.Zones) w.WriteStringValue(z.Name);
            w.WriteEndArray();
            w.WriteStartArray("verdicts");
            foreach (var a in t.Zones)
            {
                w.WriteStartArray();
                foreach (var b in t.Zones) w.WriteStringValue(Cell(a, b));
                w.WriteEndArray();
            }
            w.WriteEndArray();
        });
        Line(o, w =>
        {
            w.WriteString("event", "topology");
            w.WriteBoolean("valid", true);
            w.WriteString("file", t.SourcePath);
            w.WriteString("name", t.Name);
            w.WriteString("model", TierNames.ModelId(t.Model));
            w.WriteString("sha256", t.Sha256);
            w.WriteNumber("zones", t.Zones.Count);
            w.WriteNumber("hosts", t.Hosts.Count);
            w.WriteNumber("sanitization", t.Sanitization.Count);
            w.WriteNumber("allow", t.Allow.Count);
            w.WriteNumber("warnings", warnings.Count);
        });
    }
}
