using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using SegVerify.Core.Net;

namespace SegVerify.Core.Collect;

/// <summary>Receives each flow record as it is parsed (the record is reused afterwards).</summary>
public interface IFlowRecordHandler
{
    void OnRecord(ref FlowRecord record, ExporterSession session);
}

/// <summary>
/// Parses export packets: NetFlow v5, NetFlow v9 (RFC 3954) and IPFIX (RFC 7011) with templates and options
/// templates per exporter session and observation domain, template withdrawal and expiry, variable-length fields,
/// and RFC 5103 reverse elements. Malformed input is counted in <see cref="CollectorStats"/>, never thrown.
/// Spans and BinaryPrimitives only; a record is one reused struct.
/// </summary>
public sealed class ExportParser(CollectorStats stats, IFlowRecordHandler handler, long templateTimeoutNs = ExportParser.DefaultTemplateTimeoutNs)
{
    public const long DefaultTemplateTimeoutNs = 1800L * 1_000_000_000;
    /// <summary>Exporter sessions kept at once (each bounded by <see cref="ExporterSession.MaxTemplates"/>).</summary>
    public const int MaxSessions = 256;
    /// <summary>RFC 5103 reverse Information Elements: private enterprise number 29305.</summary>
    public const uint ReversePen = 29305;

    private readonly Dictionary<SessionKey, ExporterSession> _sessions = new();
    private FlowRecord _rec;

    public IReadOnlyCollection<ExporterSession> Sessions => _sessions.Values;

    /// <summary>Parses one UDP payload from <paramref name="exporter"/>:<paramref name="port"/> received at <paramref name="nowNs"/>.</summary>
    public void Parse(ReadOnlySpan<byte> p, IpAddr exporter, ushort port, long nowNs)
    {
        stats.ExportPackets++;
        if (p.Length < 4) { stats.MalformedPackets++; return; }
        ushort version = BinaryPrimitives.ReadUInt16BigEndian(p);
        switch (version)
        {
            case 5: ParseV5(p, exporter, port); break;
            case 9: ParseV9(p, exporter, port, nowNs); break;
            case 10: ParseIpfix(p, exporter, port, nowNs); break;
            default: stats.MalformedPackets++; break;
        }
    }

    private ExporterSession? Session(IpAddr exporter, ushort port, uint domain, byte version)
    {
        var key = new SessionKey(exporter, port, domain, version);
        if (_sessions.TryGetValue(key, out var s)) return s;
        if (_sessions.Count >= MaxSessions) { stats.ExportersRefused++; return null; }
        s = new ExporterSession(exporter, port, domain, version);
        _sessions[key] = s;
        return s;
    }

    // ---------------- NetFlow v5 ----------------

    private const int V5Header = 24, V5Record = 48;

    private void ParseV5(ReadOnlySpan<byte> p, IpAddr exporter, ushort port)
    {
        if (p.Length < V5Header) { stats.MalformedPackets++; return; }
        int count = BinaryPrimitives.ReadUInt16BigEndian(p.Slice(2));
        if (count is 0 or > 30 || p.Length < V5Header + count * V5Record) { stats.MalformedPackets++; return; }
        stats.NetflowV5Packets++;
        uint uptime = BinaryPrimitives.ReadUInt32BigEndian(p.Slice(4));
        long unixMs = BinaryPrimitives.ReadUInt32BigEndian(p.Slice(8)) * 1000L + BinaryPrimitives.ReadUInt32BigEndian(p.Slice(12)) / 1_000_000;
        uint domain = (uint)(p[20] << 8 | p[21]);
        var session = Session(exporter, port, domain, 5);
        if (session is null) return;
        ushort sampling = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(p.Slice(22)) & 0x3FFF);
        if (sampling > 1) session.SamplingInterval = sampling;
        for (int i = 0; i < count; i++)
        {
            var r = p.Slice(V5Header + i * V5Record, V5Record);
            ref var rec = ref _rec;
            rec.Reset();
            rec.Src = IpAddr.FromV4Bytes(r); rec.HasSrc = true;
            rec.Dst = IpAddr.FromV4Bytes(r.Slice(4)); rec.HasDst = true;
            rec.Packets = BinaryPrimitives.ReadUInt32BigEndian(r.Slice(16));
            rec.Bytes = BinaryPrimitives.ReadUInt32BigEndian(r.Slice(20));
            rec.StartNs = UptimeToNs(unixMs, uptime, BinaryPrimitives.ReadUInt32BigEndian(r.Slice(24)));
            rec.EndNs = UptimeToNs(unixMs, uptime, BinaryPrimitives.ReadUInt32BigEndian(r.Slice(28)));
            rec.SrcPort = BinaryPrimitives.ReadUInt16BigEndian(r.Slice(32));
            rec.DstPort = BinaryPrimitives.ReadUInt16BigEndian(r.Slice(34));
            rec.TcpFlags = r[37];
            rec.Proto = r[38];
            rec.HasTcpFlags = rec.Proto == IpProto.Tcp;
            if (rec.Proto is IpProto.Icmp)
            {
                // v5 convention: the ICMP type and code travel in the destination port
                rec.IcmpType = (byte)(rec.DstPort >> 8); rec.IcmpCode = (byte)rec.DstPort; rec.HasIcmp = true;
                rec.SrcPort = rec.DstPort = 0;
            }
            rec.SamplingInterval = session.SamplingInterval;
            Deliver(ref rec, session);
        }
    }

    /// <summary>Wall-clock ns of a sysUpTime-relative time in ms (32-bit wrap-safe).</summary>
    private static long UptimeToNs(long exportUnixMs, uint exportUptime, uint switched) =>
        (exportUnixMs - (int)(exportUptime - switched)) * 1_000_000L;

    // ---------------- NetFlow v9 ----------------

    private const int V9Header = 20;

    private void ParseV9(ReadOnlySpan<byte> p, IpAddr exporter, ushort port, long nowNs)
    {
        if (p.Length < V9Header) { stats.MalformedPackets++; return; }
        stats.NetflowV9Packets++;
        uint uptime = BinaryPrimitives.ReadUInt32BigEndian(p.Slice(4));
        long unixMs = BinaryPrimitives.ReadUInt32BigEndian(p.Slice(8)) * 1000L;
        uint domain = BinaryPrimitives.ReadUInt32BigEndian(p.Slice(16));
        var session = Session(exporter, port, domain, 9);
        if (session is null) return;
        var hdr = new Header(9, unixMs, uptime, nowNs);
        var sets = p.Slice(V9Header);
        while (sets.Length >= 4)
        {
            ushort setId = BinaryPrimitives.ReadUInt16BigEndian(sets);
            int len = BinaryPrimitives.ReadUInt16BigEndian(sets.Slice(2));
            if (len < 4 || len > sets.Length) { stats.MalformedPackets++; return; }
            var body = sets.Slice(4, len - 4);
            if (setId == 0) ParseV9Templates(body, session, nowNs);
            else if (setId == 1) ParseV9OptionsTemplates(body, session, nowNs);
            else if (setId >= 256) ParseData(body, setId, session, in hdr);
            sets = sets.Slice(len);
        }
    }

    private void ParseV9Templates(ReadOnlySpan<byte> b, ExporterSession session, long nowNs)
    {
        while (b.Length >= 4)
        {
            ushort id = BinaryPrimitives.ReadUInt16BigEndian(b);
            int count = BinaryPrimitives.ReadUInt16BigEndian(b.Slice(2));
            if (id < 256 || count == 0 || count > ExporterSession.MaxFieldsPerTemplate || b.Length < 4 + count * 4)
            {
                stats.TemplateErrors++;
                return;
            }
            var fields = new TemplateField[count];
            for (int i = 0; i < count; i++)
                fields[i] = new TemplateField(BinaryPrimitives.ReadUInt16BigEndian(b.Slice(4 + i * 4)), BinaryPrimitives.ReadUInt16BigEndian(b.Slice(6 + i * 4)), 0);
            Learn(session, new Template(id, fields, 0, nowNs));
            b = b.Slice(4 + count * 4);
        }
    }

    private void ParseV9OptionsTemplates(ReadOnlySpan<byte> b, ExporterSession session, long nowNs)
    {
        while (b.Length >= 6)
        {
            ushort id = BinaryPrimitives.ReadUInt16BigEndian(b);
            int scopeLen = BinaryPrimitives.ReadUInt16BigEndian(b.Slice(2));
            int optLen = BinaryPrimitives.ReadUInt16BigEndian(b.Slice(4));
            if (id < 256 || scopeLen % 4 != 0 || optLen % 4 != 0 || scopeLen == 0 || 6 + scopeLen + optLen > b.Length
                || (scopeLen + optLen) / 4 > ExporterSession.MaxFieldsPerTemplate)
            {
                if (b.Length >= 6 && b.Slice(0).IndexOfAnyExcept((byte)0) < 0) return; // padding
                stats.TemplateErrors++;
                return;
            }
            int count = (scopeLen + optLen) / 4;
            var fields = new TemplateField[count];
            for (int i = 0; i < count; i++)
            {
                ushort type = BinaryPrimitives.ReadUInt16BigEndian(b.Slice(6 + i * 4));
                ushort len = BinaryPrimitives.ReadUInt16BigEndian(b.Slice(8 + i * 4));
                // v9 scope field types (1 system, 2 interface, ...) are not IPFIX elements: keep them out of the IE space
                fields[i] = new TemplateField(i < scopeLen / 4 ? (ushort)(0x8000 | type) : type, len, 0);
            }
            Learn(session, new Template(id, fields, scopeLen / 4, nowNs), options: true);
            int used = 6 + scopeLen + optLen;
            b = b.Slice(used);
            if (b.Length < 6) return; // padding to a 4-byte boundary
        }
    }

    // ---------------- IPFIX ----------------

    private const int IpfixHeader = 16;

    private void ParseIpfix(ReadOnlySpan<byte> p, IpAddr exporter, ushort port, long nowNs)
    {
        if (p.Length < IpfixHeader) { stats.MalformedPackets++; return; }
        int msgLen = BinaryPrimitives.ReadUInt16BigEndian(p.Slice(2));
        if (msgLen < IpfixHeader || msgLen > p.Length) { stats.MalformedPackets++; return; }
        stats.IpfixPackets++;
        p = p.Slice(0, msgLen);
        long exportMs = BinaryPrimitives.ReadUInt32BigEndian(p.Slice(4)) * 1000L;
        uint domain = BinaryPrimitives.ReadUInt32BigEndian(p.Slice(12));
        var session = Session(exporter, port, domain, 10);
        if (session is null) return;
        var hdr = new Header(10, exportMs, 0, nowNs);
        var sets = p.Slice(IpfixHeader);
        while (sets.Length >= 4)
        {
            ushort setId = BinaryPrimitives.ReadUInt16BigEndian(sets);
            int len = BinaryPrimitives.ReadUInt16BigEndian(sets.Slice(2));
            if (len < 4 || len > sets.Length) { stats.MalformedPackets++; return; }
            var body = sets.Slice(4, len - 4);
            if (setId is 2 or 3) ParseIpfixTemplates(body, session, nowNs, options: setId == 3);
            else if (setId >= 256) ParseData(body, setId, session, in hdr);
            else stats.MalformedRecords++; // set ids 0, 1, 4-255 are not IPFIX sets
            sets = sets.Slice(len);
        }
        if (!sets.IsEmpty) stats.MalformedPackets++;
    }

    private void ParseIpfixTemplates(ReadOnlySpan<byte> b, ExporterSession session, long nowNs, bool options)
    {
        int header = options ? 6 : 4;
        while (b.Length >= 4)
        {
            ushort id = BinaryPrimitives.ReadUInt16BigEndian(b);
            int count = BinaryPrimitives.ReadUInt16BigEndian(b.Slice(2));
            if (count == 0)
            {
                // withdrawal (RFC 7011 8.1): id 2/3 withdraws all templates of that kind
                if (id == (options ? 3 : 2))
                {
                    foreach (var t in session.Templates.Values.Where(t => t.IsOptions == options).ToList()) session.Templates.Remove(t.Id);
                    stats.TemplatesWithdrawn++;
                }
                else if (id >= 256 && session.Templates.Remove(id)) stats.TemplatesWithdrawn++;
                b = b.Slice(4);
                continue;
            }
            if (b.Length < header) { stats.TemplateErrors++; return; }
            int scope = options ? BinaryPrimitives.ReadUInt16BigEndian(b.Slice(4)) : 0;
            if (id < 256 || count > ExporterSession.MaxFieldsPerTemplate || (options && (scope == 0 || scope > count)))
            {
                stats.TemplateErrors++;
                return;
            }
            var fields = new TemplateField[count];
            int off = header;
            for (int i = 0; i < count; i++)
            {
                if (b.Length < off + 4) { stats.TemplateErrors++; return; }
                ushort raw = BinaryPrimitives.ReadUInt16BigEndian(b.Slice(off));
                ushort len = BinaryPrimitives.ReadUInt16BigEndian(b.Slice(off + 2));
                off += 4;
                uint pen = 0;
                if ((raw & 0x8000) != 0)
                {
                    if (b.Length < off + 4) { stats.TemplateErrors++; return; }
                    pen = BinaryPrimitives.ReadUInt32BigEndian(b.Slice(off));
                    off += 4;
                }
                if (len == 0) { stats.TemplateErrors++; return; }
                fields[i] = new TemplateField((ushort)(raw & 0x7FFF), len, pen);
            }
            Learn(session, new Template(id, fields, scope, nowNs), options);
            b = b.Slice(off);
        }
    }

    private void Learn(ExporterSession session, Template t, bool options = false)
    {
        if (!session.Templates.ContainsKey(t.Id) && session.Templates.Count >= ExporterSession.MaxTemplates)
        {
            stats.TemplateErrors++;
            return;
        }
        if (t.Fields.Any(f => f.Length == 0) || t.MinRecordLength == 0) { stats.TemplateErrors++; return; }
        session.Templates[t.Id] = t;
        if (options) stats.OptionsTemplatesLearned++; else stats.TemplatesLearned++;
    }

    // ---------------- data records (v9 and IPFIX) ----------------

    private readonly record struct Header(byte Version, long ExportUnixMs, uint Uptime, long NowNs);

    private void ParseData(ReadOnlySpan<byte> b, ushort setId, ExporterSession session, in Header hdr)
    {
        if (!session.Templates.TryGetValue(setId, out var t)) { stats.UnknownTemplateSets++; return; }
        if (templateTimeoutNs > 0 && hdr.NowNs - t.ReceivedNs > templateTimeoutNs)
        {
            session.Templates.Remove(setId);
            stats.TemplatesExpired++;
            stats.UnknownTemplateSets++;
            return;
        }
        var fields = t.Fields;
        while (true)
        {
            if (b.Length < t.MinRecordLength)
            {
                // what is left must be padding (RFC 7011 3.3.1: shorter than a record, zero octets)
                if (b.IndexOfAnyExcept((byte)0) >= 0) stats.MalformedRecords++;
                return;
            }
            ref var rec = ref _rec;
            rec.Reset();
            int off = 0;
            bool ok = true;
            for (int i = 0; i < fields.Length; i++)
            {
                int len = fields[i].Length;
                if (fields[i].IsVariable && hdr.Version == 10)
                {
                    if (off >= b.Length) { ok = false; break; }
                    len = b[off++];
                    if (len == 255)
                    {
                        if (off + 2 > b.Length) { ok = false; break; }
                        len = BinaryPrimitives.ReadUInt16BigEndian(b.Slice(off));
                        off += 2;
                    }
                }
                if (off + len > b.Length) { ok = false; break; }
                if (len > 0) Apply(ref rec, fields[i], b.Slice(off, len), session);
                off += len;
            }
            if (!ok) { stats.MalformedRecords++; return; }
            b = b.Slice(off);
            if (rec.SamplingPacketSpace > 0 && rec.SamplingInterval > 0)
            {
                // PSAMP systematic count-based sampling: select Interval packets, skip Space
                rec.SamplingInterval = (uint)Math.Min((rec.SamplingInterval + (ulong)rec.SamplingPacketSpace) / rec.SamplingInterval, uint.MaxValue);
                if (rec.SamplingInterval > 1) session.SamplingInterval = rec.SamplingInterval;
            }
            if (t.IsOptions) continue; // options data: sampling and system init time were taken by Apply
            ResolveTimes(ref rec, session, in hdr);
            if (rec.SamplingInterval == 0) rec.SamplingInterval = session.SamplingInterval;
            else if (rec.SamplingInterval > 1) session.SamplingInterval = rec.SamplingInterval;
            Deliver(ref rec, session);
        }
    }

    private void Deliver(ref FlowRecord rec, ExporterSession session)
    {
        stats.Records++;
        session.Records++;
        if (!rec.HasSrc || !rec.HasDst || rec.Src.IsV4 != rec.Dst.IsV4) { stats.RecordsWithoutFlow++; return; }
        if (rec.IsBiflow) stats.Biflows++;
        if (rec.HasSrcMac || rec.HasDstMac) stats.RecordsWithMac++;
        if (rec.HasVlan) stats.RecordsWithVlan++;
        handler.OnRecord(ref rec, session);
    }

    private static void ResolveTimes(ref FlowRecord r, ExporterSession session, in Header hdr)
    {
        if (r.StartNs == 0 && r.HasUptimeStart) r.StartNs = UptimeTime(r.UptimeStartMs, ref r, session, in hdr);
        if (r.EndNs == 0 && r.HasUptimeEnd) r.EndNs = UptimeTime(r.UptimeEndMs, ref r, session, in hdr);
        long export = hdr.ExportUnixMs * 1_000_000L;
        if (r.StartNs == 0) r.StartNs = r.EndNs != 0 ? r.EndNs : export;
        if (r.EndNs == 0) r.EndNs = r.StartNs;
    }

    private static long UptimeTime(long uptimeMs, ref FlowRecord r, ExporterSession session, in Header hdr)
    {
        if (hdr.Version == 9) return UptimeToNs(hdr.ExportUnixMs, hdr.Uptime, (uint)uptimeMs);
        if (r.HasSystemInit) return (r.SystemInitMs + uptimeMs) * 1_000_000L;
        if (session.HasSystemInit) return (session.SystemInitMs + uptimeMs) * 1_000_000L;
        return 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong UInt(ReadOnlySpan<byte> v)
    {
        if (v.Length > 8) v = v.Slice(v.Length - 8);
        ulong x = 0;
        foreach (byte c in v) x = x << 8 | c;
        return x;
    }

    /// <summary>NTP 64-bit timestamp (RFC 7011 6.1.10) to ns since the Unix epoch.</summary>
    private static long NtpToNs(ReadOnlySpan<byte> v, bool micro)
    {
        if (v.Length != 8) return 0;
        long secs = BinaryPrimitives.ReadUInt32BigEndian(v) - 2_208_988_800L;
        ulong frac = BinaryPrimitives.ReadUInt32BigEndian(v.Slice(4));
        if (micro) frac &= 0xFFFF_F800; // RFC 7011: the 11 low bits of a microsecond timestamp are ignored
        return secs * 1_000_000_000L + (long)(frac * 1_000_000_000UL >> 32);
    }

    private static void Apply(ref FlowRecord r, TemplateField f, ReadOnlySpan<byte> v, ExporterSession session)
    {
        if (f.Enterprise == ReversePen)
        {
            switch (f.Id)
            {
                case 1: case 85: r.ReverseBytes = (long)UInt(v); r.IsBiflow = true; break;
                case 2: case 86: r.ReversePackets = (long)UInt(v); r.IsBiflow = true; break;
                case 6: r.ReverseTcpFlags = (byte)UInt(v); r.HasReverseTcpFlags = true; r.IsBiflow = true; break;
            }
            return;
        }
        if (f.Enterprise != 0) return;
        switch (f.Id)
        {
            case 1: case 85: r.Bytes = (long)UInt(v); break;
            case 2: case 86: r.Packets = (long)UInt(v); break;
            case 4: r.Proto = (byte)UInt(v); break;
            case 6: r.TcpFlags = (byte)UInt(v); r.HasTcpFlags = true; break;
            case 7: r.SrcPort = (ushort)UInt(v); break;
            case 11: r.DstPort = (ushort)UInt(v); break;
            case 8: if (v.Length == 4) { r.Src = IpAddr.FromV4Bytes(v); r.HasSrc = true; } break;
            case 12: if (v.Length == 4) { r.Dst = IpAddr.FromV4Bytes(v); r.HasDst = true; } break;
            case 27: if (v.Length == 16) { r.Src = IpAddr.FromV6Bytes(v); r.HasSrc = true; } break;
            case 28: if (v.Length == 16) { r.Dst = IpAddr.FromV6Bytes(v); r.HasDst = true; } break;
            case 32: case 139:
                if (v.Length == 2) { r.IcmpType = v[0]; r.IcmpCode = v[1]; r.HasIcmp = true; }
                break;
            case 176: case 178: r.IcmpType = (byte)UInt(v); r.HasIcmp = true; break;
            case 177: case 179: r.IcmpCode = (byte)UInt(v); break;
            // an all-zero MAC is "not known" (exporters fill the field when they have no link layer)
            case 56: if (v.Length == 6 && !MacAddr.FromBytes(v).IsZero) { r.SrcMac = MacAddr.FromBytes(v); r.HasSrcMac = true; } break;
            case 80: if (v.Length == 6 && !MacAddr.FromBytes(v).IsZero) { r.DstMac = MacAddr.FromBytes(v); r.HasDstMac = true; r.DstMacIsPre = true; } break;
            // postDestinationMacAddress: what a passive probe (softflowd -T ether) reports as the destination MAC
            case 57: if (v.Length == 6 && !r.DstMacIsPre && !MacAddr.FromBytes(v).IsZero) { r.DstMac = MacAddr.FromBytes(v); r.HasDstMac = true; } break;
            case 58: case 243:
                { ushort vl = (ushort)(UInt(v) & 0x0FFF); if (vl != 0) { r.Vlan = vl; r.HasVlan = true; } }
                break;
            case 59: // postVlanId: a passive probe's (softflowd) VLAN of the reverse direction; used when vlanId is absent
                { ushort vl = (ushort)(UInt(v) & 0x0FFF); if (vl != 0 && !r.HasVlan) { r.Vlan = vl; r.HasVlan = true; } }
                break;
            case 21: r.UptimeEndMs = (long)UInt(v); r.HasUptimeEnd = true; break;
            case 22: r.UptimeStartMs = (long)UInt(v); r.HasUptimeStart = true; break;
            case 150: r.StartNs = (long)UInt(v) * 1_000_000_000L; break;
            case 151: r.EndNs = (long)UInt(v) * 1_000_000_000L; break;
            case 152: r.StartNs = (long)UInt(v) * 1_000_000L; break;
            case 153: r.EndNs = (long)UInt(v) * 1_000_000L; break;
            case 154: r.StartNs = NtpToNs(v, micro: true); break;
            case 155: r.EndNs = NtpToNs(v, micro: true); break;
            case 156: r.StartNs = NtpToNs(v, micro: false); break;
            case 157: r.EndNs = NtpToNs(v, micro: false); break;
            case 160:
                r.SystemInitMs = (long)UInt(v); r.HasSystemInit = true;
                session.SystemInitMs = r.SystemInitMs; session.HasSystemInit = true;
                break;
            case 306: r.SamplingPacketSpace = (uint)Math.Min(UInt(v), uint.MaxValue); break;
            case 34: case 305: case 50:
                {
                    uint interval = (uint)Math.Min(UInt(v), uint.MaxValue);
                    r.SamplingInterval = interval;
                    if (interval > 1) session.SamplingInterval = interval;
                }
                break;
            case 239: r.BiflowDirection = (byte)UInt(v); break;
        }
    }
}
