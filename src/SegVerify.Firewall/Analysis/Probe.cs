using System.Globalization;
using SegVerify.Core.Net;
using SegVerify.Firewall.Model;

namespace SegVerify.Firewall.Analysis;

/// <summary>
/// One concrete packet for a trace. <paramref name="IcmpType"/>/<paramref name="IcmpCode"/> default to an echo
/// request (ICMP 8 / ICMPv6 128, code 0); <paramref name="TcpFlags"/> to SYN for a NEW packet, ACK otherwise.
/// <paramref name="DstNat"/> is 0 as sent; the tracer sets it to the tag of the destination NAT that rewrote it.
/// </summary>
public sealed record ProbePacket(
    byte Proto, IpAddr Src, ushort SrcPort, IpAddr Dst, ushort DstPort, string InIf, string OutIf, MacAddr? Mac, int CtState,
    byte? IcmpType = null, byte? IcmpCode = null, byte? TcpFlags = null, int DstNat = 0)
{
    public const string Syntax =
        "PROTO SRC[:PORT] -> DST[:PORT] in IF out IF [mac MAC] [state new|established|related|invalid] [type N] [code N] [flags syn,ack,...]";

    /// <summary>
    /// Parses <see cref="Syntax"/>; IPv6 addresses with a port are written in brackets (<c>[2001:db8::1]:443</c>).
    /// </summary>
    public static bool TryParse(string text, out ProbePacket? p, out string? error)
    {
        p = null; error = null;
        var t = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (t.Length < 7 || t[2] != "->") { error = "expected: " + Syntax; return false; }
        if (!ProtoNames.TryParse(t[0], out byte proto)) { error = $"unknown protocol '{t[0]}'"; return false; }
        if (!ParseEnd(t[1], out var src, out var sp)) { error = $"bad source '{t[1]}'"; return false; }
        if (!ParseEnd(t[3], out var dst, out var dp)) { error = $"bad destination '{t[3]}'"; return false; }
        if (src.IsV4 != dst.IsV4) { error = "source and destination are of different address families"; return false; }
        string? inIf = null, outIf = null; MacAddr? mac = null; int ct = ConnStates.New;
        byte? icmpType = null, icmpCode = null, flags = null;
        for (int i = 4; i < t.Length; i++)
        {
            if (i + 1 >= t.Length) { error = $"'{t[i]}' needs a value"; return false; }
            switch (t[i])
            {
                case "in": inIf = t[++i]; break;
                case "out": outIf = t[++i]; break;
                case "mac":
                    if (!MacAddr.TryParse(t[++i], out var m)) { error = $"bad MAC '{t[i]}'"; return false; }
                    mac = m; break;
                case "state":
                    ct = ConnStates.Parse(t[++i]);
                    if (ct < 0) { error = $"unknown state '{t[i]}'"; return false; }
                    break;
                case "type":
                case "code":
                    {
                        bool isType = t[i] == "type";
                        if (!byte.TryParse(t[++i], NumberStyles.None, CultureInfo.InvariantCulture, out var v)) { error = $"bad ICMP {(isType ? "type" : "code")} '{t[i]}'"; return false; }
                        if (isType) icmpType = v; else icmpCode = v;
                        break;
                    }
                case "flags":
                    {
                        byte f = 0;
                        foreach (var name in t[++i].Split(',', StringSplitOptions.RemoveEmptyEntries))
                        {
                            if (!TcpFlagBits.TryParse(name, out var bit)) { error = $"unknown TCP flag '{name}'"; return false; }
                            f |= bit;
                        }
                        flags = f;
                        break;
                    }
                default: error = $"unexpected '{t[i]}'"; return false;
            }
        }
        if (inIf is null || outIf is null) { error = "both 'in IF' and 'out IF' are required"; return false; }
        if (!IpProto.HasPorts(proto)) { sp = 0; dp = 0; }
        p = new ProbePacket(proto, src, sp, dst, dp, inIf, outIf, mac, ct, icmpType, icmpCode, flags);
        return true;
    }

    private static bool ParseEnd(string s, out IpAddr ip, out ushort port)
    {
        port = 0;
        if (s.StartsWith('['))
        {
            int close = s.IndexOf(']');
            if (close < 0 || !IpAddr.TryParse(s.AsSpan(1, close - 1), out ip)) { ip = default; return false; }
            if (close + 1 < s.Length)
                return s[close + 1] == ':' && ushort.TryParse(s.AsSpan(close + 2), NumberStyles.None, null, out port);
            return true;
        }
        int colon = s.IndexOf(':');
        if (colon >= 0 && s.IndexOf(':', colon + 1) < 0)
            return IpAddr.TryParse(s.AsSpan(0, colon), out ip) && ushort.TryParse(s.AsSpan(colon + 1), NumberStyles.None, null, out port);
        return IpAddr.TryParse(s, out ip);
    }

    /// <summary>The value of a header field in this packet (ICMP type/code 0 for non-ICMP, flags 0 for non-TCP).</summary>
    public UInt128 Value(HeaderField f) => f switch
    {
        HeaderField.SrcIp => FieldDomains.ToU(Src),
        HeaderField.DstIp => FieldDomains.ToU(Dst),
        HeaderField.Protocol => Proto,
        HeaderField.SrcPort => SrcPort,
        HeaderField.DstPort => DstPort,
        HeaderField.SrcMac => Mac?.Value ?? 0,
        HeaderField.ConnState => (UInt128)CtState,
        HeaderField.IcmpType => Proto is 1 or 58 ? (IcmpType ?? (byte)(Proto == 1 ? 8 : 128)) : 0u,
        HeaderField.IcmpCode => Proto is 1 or 58 ? (IcmpCode ?? 0) : 0u,
        HeaderField.TcpFlags => Proto == 6 ? (TcpFlags ?? (CtState == ConnStates.New ? TcpFlagBits.Syn : TcpFlagBits.Ack)) : 0u,
        HeaderField.DstNat => (UInt128)DstNat,
        _ => 0,
    };
}

public enum Verdict : byte { Accept, Drop, Reject }

/// <summary>
/// The outcome of tracing one packet: verdict, deciding line, every line that matched on the way, and the
/// destination after NAT (null when no destination NAT applied).
/// </summary>
public sealed record TraceResult(Verdict Verdict, AclLine? Decider, IReadOnlyList<AclLine> Path, bool Approximate,
                                 IpAddr? NatDst = null, ushort? NatDstPort = null)
{
    public string VerdictText => Verdict switch { Verdict.Accept => "accept", Verdict.Reject => "reject", _ => "drop" };
}
