using SegVerify.Core.Classification;
using SegVerify.Core.Findings;
using SegVerify.Core.Flows;
using SegVerify.Core.Net;
using SegVerify.Core.Policy;
using SegVerify.Core.Topology;

namespace SegVerify.Core.Judging;

/// <summary>
/// Judges a finished flow (cold: once per flow): finds its initiator, classifies both endpoints into zones, applies
/// the policy, the large-transfer limit and the hosts' declared services, and returns the verdict as values
/// (<see cref="FlowJudgement"/>). It reports nothing and keeps no state: counting, de-duplicating and turning
/// verdicts into findings (<see cref="FindingFactory"/>) are the caller's.
/// </summary>
public sealed class FlowJudge
{
    private const byte SideA = FlowTracker.SideA, SideB = FlowTracker.SideB;

    private readonly ZoneClassifier _classifier;
    private readonly PolicyEngine _policy;
    /// <summary>A concrete dictionary: looked up once per flow, not through the interface.</summary>
    private readonly Dictionary<IpAddr, Host> _hostByIp;
    private readonly long? _largeTransferBytes;
    private readonly bool[] _servicePortTcp = new bool[65536];
    private readonly bool[] _servicePortUdp = new bool[65536];

    public FlowJudge(Topology.Topology topology, ZoneClassifier classifier, PolicyEngine policy, IReadOnlyDictionary<IpAddr, Host> hostByIp)
    {
        _classifier = classifier;
        _policy = policy;
        _hostByIp = hostByIp as Dictionary<IpAddr, Host> ?? hostByIp.ToDictionary();
        _largeTransferBytes = topology.Limits.LargeTransferBytes;
        // "Well-known" ports for the mid-stream rule: below 1024, or in any built-in or declared service.
        for (int p = 0; p < 1024; p++) _servicePortTcp[p] = _servicePortUdp[p] = true;
        foreach (var s in topology.Services.Values)
            foreach (var e in s.Entries)
            {
                if (e.Protocol == IpProto.Tcp) for (int p = e.Low; p <= e.High; p++) _servicePortTcp[p] = true;
                if (e.Protocol == IpProto.Udp) for (int p = e.Low; p <= e.High; p++) _servicePortUdp[p] = true;
            }
    }

    /// <summary>Who opened the flow, and whether that was seen or inferred (spec: "How a flow's initiator is found").</summary>
    public (bool InitiatorIsA, bool Observed) FindInitiator(in FlowEntry f)
    {
        bool firstFromA = (f.Flags & FlowFlags.FirstFromA) != 0;
        byte proto = f.Key.Proto;
        if (proto == IpProto.Tcp)
        {
            if (f.SynSide != 0) return (f.SynSide == SideA, true);
            if (f.SynAckSide != 0) return (f.SynAckSide == SideB, true);
        }
        else if (proto is IpProto.Icmp or IpProto.IcmpV6)
        {
            bool a;
            if (f.EchoRequestSide != 0) a = f.EchoRequestSide == SideA;
            else if (f.EchoReplySide != 0) a = f.EchoReplySide == SideB;
            else a = firstFromA;
            return (a, a == firstFromA);
        }
        if (proto is IpProto.Tcp or IpProto.Udp)
        {
            var table = proto == IpProto.Tcp ? _servicePortTcp : _servicePortUdp;
            bool svcA = table[f.Key.PortA], svcB = table[f.Key.PortB];
            bool initA = svcA != svcB ? svcB : firstFromA;
            return (initA, initA == firstFromA);
        }
        return (firstFromA, true);
    }

    /// <summary>
    /// A "well-known" port for the mid-stream rule of finding the initiator: below 1024, or in a built-in or declared
    /// service (<paramref name="proto"/> TCP or UDP).
    /// </summary>
    public bool IsServicePort(byte proto, ushort port) => (proto == IpProto.Tcp ? _servicePortTcp : _servicePortUdp)[port];

    /// <summary>The moment the policy judges a flow at (its first packet), for the expiry of rules.</summary>
    public static DateTime PolicyTime(long firstTsNs) => DateTime.UnixEpoch.AddTicks(firstTsNs / 100);

    /// <summary>The verdict for flow <paramref name="f"/>.</summary>
    public FlowJudgement Judge(in FlowEntry f)
    {
        var (initA, observed) = FindInitiator(in f);
        var k = f.Key;
        IpAddr src = initA ? k.A : k.B, dst = initA ? k.B : k.A;
        ushort dport = initA ? k.PortB : k.PortA;
        bool hasPorts = IpProto.HasPorts(k.Proto) && (f.Flags & FlowFlags.NoPorts) == 0;

        var srcCat = _classifier.Classify(src, asDestination: false, out var srcZone, out _);
        var dstCat = _classifier.Classify(dst, asDestination: true, out var dstZone, out _);
        var parties = new FlowParties(initA, observed, srcZone, dstZone);
        long total = f.BytesAB + f.BytesBA;
        if (srcCat == AddressCategory.Special || dstCat == AddressCategory.Special)
            return new FlowJudgement { Parties = parties, Src = src, Dst = dst, Outcome = FlowOutcome.Special, TotalBytes = total };

        var issues = FlowIssues.None;
        if (srcCat == AddressCategory.Unclassified) issues |= FlowIssues.SrcUnclassified;
        if (dstCat == AddressCategory.Unclassified) issues |= FlowIssues.DstUnclassified;
        var outcome = FlowOutcome.Unclassified;
        FlowVerdict verdict = default;
        if (srcZone is not null && dstZone is not null)
        {
            outcome = FlowOutcome.Judged;
            verdict = _policy.Judge(srcZone, src, dstZone, dst, k.Proto, hasPorts ? dport : (ushort)0, PolicyTime(f.FirstTs));
            if (srcZone != dstZone && _largeTransferBytes is { } limit && total > limit) issues |= FlowIssues.LargeTransfer;
        }
        if ((k.Proto is IpProto.Tcp or IpProto.Udp) && _hostByIp.TryGetValue(dst, out var host) && !host.OffersService(k.Proto, dport))
            issues |= FlowIssues.UndeclaredService;
        return new FlowJudgement
        {
            Parties = parties, Src = src, Dst = dst, Outcome = outcome, Rule = verdict.Rule, By = verdict.By,
            Issues = issues, TotalBytes = total,
        };
    }
}
