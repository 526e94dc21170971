using SegVerify.Core.Net;
using SegVerify.Core.Topology;

namespace SegVerify.Firewall.Tests;

/// <summary>
/// topologies/sample-city.yaml built in code (the YAML loader lands separately; the CLI tests use the file itself
/// once it does).
/// </summary>
internal static class SampleCity
{
    public static Topology Build()
    {
        var ext = new Zone { Name = "external", Tier = Tier.External, IsImplicitExternal = true };
        var t = new Topology { SourcePath = "sample-city.yaml", Sha256 = "0", Name = "sample", Model = SeparationModel.Alpha, External = ext };
        foreach (var (name, defs) in BuiltinServices.Definitions)
            t.Services[name] = new ServiceSet(name, defs.Select(d => BuiltinServices.TryParseEntry(d, out _)!.Value).ToList());
        t.Services["pattern-dist"] = new ServiceSet("pattern-dist", [new ServiceEntry(IpProto.Tcp, 8080, 8080)]);
        Zone Z(string name, Tier tier, params string[] cidrs)
        {
            var z = new Zone { Name = name, Tier = tier };
            foreach (var c in cidrs) z.Segments.Add(new Segment { Cidr = Cidr.Parse(c), Zone = z });
            t.Zones.Add(z);
            return z;
        }
        var mn = Z("mn-office", Tier.MyNumber, "10.10.0.0/16", "fd00:10::/64");
        var lg = Z("lg-office", Tier.Lgwan, "10.20.0.0/16", "fd00:20::/64");
        var inet = Z("inet-office", Tier.Internet, "10.30.0.0/16", "2001:db8:30::/64");
        var web = Z("public-web", Tier.Dmz, "198.51.100.0/26");
        var lgwan = Z("lgwan", Tier.LgwanWan, "172.16.0.0/12");
        var jlis = Z("j-lis", Tier.PublicInstitution, "192.0.2.0/24");
        t.Zones.Add(ext);
        for (int i = 0; i < t.Zones.Count; i++) t.Zones[i].Index = i;
        Host H(string name, Zone z, string ip, string? mac, params string[] svcs)
        {
            var h = new Host { Name = name, Zone = z, Mac = mac is null ? null : MacAddr.Parse(mac) };
            h.Ips.Add(IpAddr.Parse(ip));
            if (svcs.Length > 0) h.Services = svcs.Select(s => t.Services[s]).ToList();
            t.Hosts.Add(h);
            return h;
        }
        H("mn-term-01", mn, "10.10.1.11", "02:10:00:01:00:11");
        H("mn-fs", mn, "10.10.0.20", "02:10:00:00:00:20", "smb");
        var relay = H("mn-relay", mn, "10.10.0.5", "02:10:00:00:00:05");
        var inter = H("intermediate-server", jlis, "192.0.2.10", null, "https");
        var lgMail = H("lg-mail", lg, "10.20.0.25", "02:20:00:00:00:25", "smtp");
        var lgFs = H("lg-fs", lg, "10.20.0.60", "02:20:00:00:00:60", "smb");
        var vdi = H("vdi", inet, "10.30.0.50", "02:30:00:00:00:50", "rdp");
        var mailSan = H("mail-sanitizer", inet, "10.30.0.25", "02:30:00:00:00:25");
        var fileSan = H("file-sanitizer", inet, "10.30.0.60", "02:30:00:00:00:60");
        var www = H("www", web, "198.51.100.10", null, "https");
        PolicyRule R(string name, RuleKind kind, Endpoint from, Endpoint to, string svc, DateOnly? exp = null) => new()
        {
            Name = name, Kind = kind, From = from, To = to, Services = [t.Services[svc]], Expires = exp,
            Method = kind == RuleKind.Sanitization ? name : null,
        };
        t.Sanitization.Add(R("screen-transfer", RuleKind.Sanitization, new ZoneEndpoint(lg), new HostEndpoint(vdi), "rdp"));
        t.Sanitization.Add(R("mail-text", RuleKind.Sanitization, new HostEndpoint(mailSan), new HostEndpoint(lgMail), "smtp"));
        t.Sanitization.Add(R("file-sanitization", RuleKind.Sanitization, new HostEndpoint(fileSan), new HostEndpoint(lgFs), "smb"));
        t.Allow.Add(R("jlis-link", RuleKind.Allow, new HostEndpoint(relay), new HostEndpoint(inter), "https"));
        t.Allow.Add(R("publish-www", RuleKind.Allow, new ZoneEndpoint(ext), new HostEndpoint(www), "https"));
        t.Allow.Add(R("legacy-link", RuleKind.Allow, new ZoneEndpoint(lg), new CidrEndpoint(Cidr.Parse("192.0.2.128/25")), "https", new DateOnly(2024, 12, 31)));
        var fw = new FirewallDef { Name = "fw-core" };
        string[] ifs = ["mn-office", "lg-office", "inet-office", "lgwan", "public-web", "j-lis", "external"];
        for (int i = 0; i < ifs.Length; i++) fw.Interfaces[$"eth{i}"] = t.FindZone(ifs[i])!;
        t.Firewalls["fw-core"] = fw;
        return t;
    }
}
