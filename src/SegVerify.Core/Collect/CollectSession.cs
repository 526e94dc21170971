using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using SegVerify.Core.Capture;
using SegVerify.Core.Decoding;
using SegVerify.Core.Engine;
using SegVerify.Core.Net;
using SegVerify.Core.Output;

namespace SegVerify.Core.Collect;

public sealed class CollectOptions
{
    public bool EmitFlows { get; init; }
    public string Language { get; init; } = "en";
    /// <summary>How long a one-way record waits for the record of the other direction.</summary>
    public long HoldNs { get; init; } = 10L * 1_000_000_000;
    public long TemplateTimeoutNs { get; init; } = ExportParser.DefaultTemplateTimeoutNs;
}

/// <summary>
/// <c>segverify collect</c>: export packets (from UDP or from a capture of the export traffic) -> <see cref="ExportParser"/>
/// -> <see cref="FlowAssembler"/> -> the same <see cref="Verifier"/> that judges packet flows.
/// </summary>
public sealed class CollectSession
{
    private readonly Verifier _verifier;
    private readonly RecordContextSink _context;
    private readonly FlowAssembler _assembler;
    private readonly ExportParser _parser;
    private DecodedPacket _pkt;

    public CollectStatsView Stats => new(this);
    public CollectorStats Counters { get; } = new();

    public CollectSession(Topology.Topology topology, IFindingSink sink, CollectOptions options)
    {
        _context = new RecordContextSink(sink);
        _verifier = new Verifier(topology, _context, new VerifierOptions { EmitFlows = options.EmitFlows });
        _assembler = new FlowAssembler(_verifier, _context, options.HoldNs);
        _parser = new ExportParser(Counters, _assembler, options.TemplateTimeoutNs);
    }

    /// <summary>Counters for statistics lines.</summary>
    public readonly struct CollectStatsView(CollectSession s)
    {
        public long ExportPackets => s.Counters.ExportPackets;
        public long Records => s.Counters.Records;
        public long Flows => s._assembler.FlowsJudged;
        public long Findings => s._verifier.Stats.Findings;
    }

    /// <summary>One export packet (a UDP payload) from an exporter, received at <paramref name="nowNs"/>.</summary>
    public void OnExportPacket(ReadOnlySpan<byte> payload, IpAddr exporter, ushort port, long nowNs)
    {
        _assembler.Advance(nowNs); // the clock first: records of this packet arrive now
        _parser.Parse(payload, exporter, port, nowNs);
    }

    /// <summary>Reads a capture of export traffic: every UDP datagram in it is taken as an export packet.</summary>
    public void ReadCapture(ICaptureReader reader)
    {
        while (reader.TryRead(out var rec))
        {
            if (!FrameDecoder.Decode(rec.LinkType, rec.Data, ref _pkt) || _pkt.IsPartial || _pkt.Protocol != IpProto.Udp
                || !_pkt.HasPorts || _pkt.IsFragment)
            {
                Counters.NotExportFrames++;
                continue;
            }
            var payload = UdpPayload(rec.Data, in _pkt);
            if (payload is not { } range) { Counters.NotExportFrames++; continue; }
            OnExportPacket(rec.Data.Slice(range.Start, range.Length), _pkt.SrcIp, _pkt.SrcPort, rec.TimestampNs);
        }
    }

    /// <summary>
    /// Where the UDP payload of a decoded datagram is in its frame: the UDP header is the 8 bytes that hold the
    /// decoded ports and a length equal to the datagram's (searched after the shortest link and IP headers).
    /// </summary>
    private static (int Start, int Length)? UdpPayload(ReadOnlySpan<byte> frame, in DecodedPacket p)
    {
        int udpLen = p.L4Length;
        if (udpLen < 8) return null;
        int first = p.IpVersion == 6 ? 40 : 20;
        int last = Math.Min(frame.Length - udpLen, 1024);
        for (int o = first; o <= last; o++)
        {
            if (BinaryPrimitives.ReadUInt16BigEndian(frame.Slice(o)) == p.SrcPort
                && BinaryPrimitives.ReadUInt16BigEndian(frame.Slice(o + 2)) == p.DstPort
                && BinaryPrimitives.ReadUInt16BigEndian(frame.Slice(o + 4)) == udpLen)
                return (o + 8, udpLen - 8);
        }
        return null;
    }

    /// <summary>Receives export packets on <paramref name="socket"/> until cancelled; records are judged as pairs complete or the hold time passes.</summary>
    public void Receive(Socket socket, CancellationToken token)
    {
        var buf = new byte[65535];
        EndPoint any = socket.AddressFamily == AddressFamily.InterNetworkV6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
        socket.ReceiveTimeout = 200;
        while (!token.IsCancellationRequested)
        {
            int n;
            EndPoint from = any;
            try
            {
                n = socket.ReceiveFrom(buf, ref from);
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock or SocketError.Interrupted)
            {
                _assembler.Advance(WallNs());
                continue;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.MessageSize or SocketError.ConnectionReset)
            {
                Counters.MalformedPackets++;
                continue;
            }
            var ep = (IPEndPoint)from;
            var addr = ep.Address.IsIPv4MappedToIPv6 ? ep.Address.MapToIPv4() : ep.Address;
            IpAddr exporter = addr.AddressFamily == AddressFamily.InterNetwork
                ? IpAddr.FromV4Bytes(addr.GetAddressBytes())
                : IpAddr.FromV6Bytes(addr.GetAddressBytes());
            OnExportPacket(buf.AsSpan(0, n), exporter, (ushort)ep.Port, WallNs());
        }
    }

    private static long WallNs() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;

    /// <summary>End of input: judges what still waits, fills the summary and adds the collector's fields.</summary>
    public void Finish(RunSummary summary)
    {
        _assembler.Flush();
        _verifier.FillSummary(summary);
        var c = Counters;
        summary.Extra.Add(new("collect", new Dictionary<string, object?>
        {
            ["export_packets"] = c.ExportPackets,
            ["netflow_v5_packets"] = c.NetflowV5Packets,
            ["netflow_v9_packets"] = c.NetflowV9Packets,
            ["ipfix_packets"] = c.IpfixPackets,
            ["records"] = c.Records,
            ["biflow_records"] = c.Biflows,
            ["flows_judged"] = _assembler.FlowsJudged,
            ["pairs_merged"] = _assembler.PairsMerged,
            ["templates"] = c.TemplatesLearned,
            ["options_templates"] = c.OptionsTemplatesLearned,
            ["templates_withdrawn"] = c.TemplatesWithdrawn,
            ["templates_expired"] = c.TemplatesExpired,
            ["template_errors"] = c.TemplateErrors,
            ["unknown_template_sets"] = c.UnknownTemplateSets,
            ["malformed_packets"] = c.MalformedPackets,
            ["malformed_records"] = c.MalformedRecords,
            ["records_without_flow"] = c.RecordsWithoutFlow,
            ["not_export_frames"] = c.NotExportFrames,
            ["exporters_refused"] = c.ExportersRefused,
        }));
        var exporters = new List<object?>();
        var sampling = new List<object?>();
        foreach (var s in _parser.Sessions.OrderBy(s => s.Exporter).ThenBy(s => s.Port).ThenBy(s => s.ObservationDomain))
        {
            exporters.Add(new Dictionary<string, object?>
            {
                ["exporter"] = s.ExporterText,
                ["port"] = (long)s.Port,
                ["observation_domain"] = (long)s.ObservationDomain,
                ["source"] = s.Source,
                ["version"] = (long)s.Version,
                ["records"] = s.Records,
            });
            if (s.SamplingInterval > 1)
                sampling.Add(new Dictionary<string, object?>
                {
                    ["exporter"] = s.ExporterText,
                    ["observation_domain"] = (long)s.ObservationDomain,
                    ["interval"] = (long)s.SamplingInterval,
                });
        }
        summary.Extra.Add(new("exporters", exporters));
        summary.Extra.Add(new("sampling", sampling));
        bool skipped = c.RecordsWithMac == 0;
        summary.Extra.Add(new("frame_checks", new Dictionary<string, object?>
        {
            ["records_with_mac"] = c.RecordsWithMac,
            ["records_with_vlan"] = c.RecordsWithVlan,
            ["records_not_checked"] = c.Records - c.RecordsWithoutFlow - c.RecordsWithMac,
            ["skipped"] = skipped,
            ["reason"] = skipped ? "no record carried a source MAC address (IPFIX IE 56): mac-binding, unregistered-device and vlan-mismatch were not checked" : null,
        }));
    }
}
