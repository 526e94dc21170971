using System.Runtime.CompilerServices;
using SegVerify.Core.Capture;
using SegVerify.Core.Classification;
using SegVerify.Core.Decoding;
using SegVerify.Core.Findings;
using SegVerify.Core.Flows;
using SegVerify.Core.Net;
using SegVerify.Core.Topology;

namespace SegVerify.Core.Engine;

/// <summary>
/// The frame-level checks (mac-binding, unregistered-device, vlan-mismatch), run on every frame with a link-layer
/// source address, ARP included. Each finding is reported once per (finding, source MAC, source address).
/// Lookups only; a finding object is built the first time a key is seen.
/// </summary>
internal sealed class FrameChecks
{
    private readonly record struct ReportKey(byte Rule, ulong Mac, IpAddr Ip);

    private const byte RMacBinding = 1, RUnregistered = 2, RVlanMismatch = 3;

    private readonly ZoneClassifier _classifier;
    private readonly Dictionary<IpAddr, Host> _hostByIp;
    private readonly HashSet<MacAddr> _gatewayMacs = new();
    private readonly HashSet<MacAddr>?[] _allowedByZone;
    private readonly HashSet<MacAddr>?[] _allowedByVlan = new HashSet<MacAddr>?[4096];
    private readonly int[] _segmentVlan;
    private readonly HashSet<ReportKey> _reported = new();
    private readonly Verifier _owner;
    private readonly bool _anyHostMac;

    public FrameChecks(Topology.Topology topology, ZoneClassifier classifier, Dictionary<IpAddr, Host> hostByIp, Verifier owner)
    {
        _classifier = classifier;
        _hostByIp = hostByIp;
        _owner = owner;
        foreach (var z in topology.Zones) _gatewayMacs.UnionWith(z.GatewayMacs);
        _anyHostMac = topology.Hosts.Any(h => h.Mac is not null);

        _allowedByZone = new HashSet<MacAddr>?[topology.Zones.Count];
        foreach (var z in topology.Zones)
        {
            if (!z.RegisteredMacsOnly) continue;
            var set = new HashSet<MacAddr>(z.RegisteredMacs);
            set.UnionWith(_gatewayMacs);
            foreach (var h in topology.Hosts)
                if (h.Zone == z && h.Mac is { } m) set.Add(m);
            _allowedByZone[z.Index] = set;
        }

        // A VLAN id that only registered-only zones' segments use: frames tagged with it are checked too.
        var byVlan = new Dictionary<int, List<Zone>>();
        foreach (var z in topology.Zones)
            foreach (var s in z.Segments)
                if (s.Vlan is { } v)
                {
                    if (!byVlan.TryGetValue(v, out var l)) byVlan[v] = l = [];
                    if (!l.Contains(z)) l.Add(z);
                }
        foreach (var (vlan, zones) in byVlan)
        {
            if (vlan is < 0 or >= 4096 || !zones.All(z => z.RegisteredMacsOnly)) continue;
            var set = new HashSet<MacAddr>();
            foreach (var z in zones) set.UnionWith(_allowedByZone[z.Index]!);
            _allowedByVlan[vlan] = set;
        }

        _segmentVlan = classifier.Segments.Select(s => s.Vlan ?? -1).ToArray();
    }

    /// <summary>Checks one frame whose network-layer source is <paramref name="srcIp"/> (ARP: the sender address).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Check(in DecodedPacket p, IpAddr srcIp, in CaptureRecord record)
    {
        var mac = p.SrcMac;
        if (_gatewayMacs.Contains(mac)) return; // routers forward others' packets: none of the checks applies

        if (_anyHostMac && _hostByIp.TryGetValue(srcIp, out var host) && host.Mac is { } bound && bound != mac)
            Report(RMacBinding, RuleIds.MacBinding, in p, srcIp, in record);

        int seg = AddressRanges.IsSpecial(srcIp) ? -1 : _classifier.FindSegment(srcIp);
        var allowed = seg >= 0 ? _allowedByZone[_classifier.Segment(seg).Zone.Index] : null;
        if (allowed is null && p.VlanCount > 0) allowed = _allowedByVlan[p.OuterVlan & 0xFFF];
        if (allowed is not null && !allowed.Contains(mac))
            Report(RUnregistered, RuleIds.UnregisteredDevice, in p, srcIp, in record);

        if (p.VlanCount > 0 && seg >= 0 && _segmentVlan[seg] >= 0 && _segmentVlan[seg] != p.OuterVlan)
            Report(RVlanMismatch, RuleIds.VlanMismatch, in p, srcIp, in record);
    }

    private void Report(byte code, string rule, in DecodedPacket p, IpAddr srcIp, in CaptureRecord record)
    {
        if (!_reported.Add(new ReportKey(code, p.SrcMac.Value, srcIp))) return;
        _owner.EmitFrame(BuildFrameFinding(rule, in p, srcIp, in record), in record);
    }

    private Finding BuildFrameFinding(string rule, in DecodedPacket p, IpAddr srcIp, in CaptureRecord record)
    {
        bool arp = p.Kind == PacketKind.Arp;
        IpAddr dstIp = arp ? p.ArpTargetIp : p.DstIp;
        _classifier.Classify(srcIp, false, out var sz, out _);
        _classifier.Classify(dstIp, true, out var dz, out _);
        string? cid = null;
        if (!arp)
        {
            // the id of the frame's flow (a later fragment has no header of its own: addresses and protocol only)
            if (p.IsFragment && p.FragmentOffset != 0) cid = CommunityId.ForAddresses(srcIp, dstIp, p.Protocol);
            else
            {
                var key = FlowKeys.Make(in p, out _, out bool noPorts);
                cid = CommunityId.ForFlow(in key, noPorts);
            }
        }
        var origin = new EventOrigin(_owner.CurrentCapture, _owner.CurrentCapture is not null ? record.FileOffset : null,
            _owner.TunnelsAround(p.TunnelDepth));
        return FindingFactory.ForFrame(rule, in p, srcIp, in record, sz, dz, cid, in origin);
    }
}
