using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using SegVerify.Core.Capture;
using SegVerify.Core.Decoding;
using SegVerify.Core.Flows;
using SegVerify.Core.Net;

namespace SegVerify.Core.Engine;

/// <summary>
/// Tunnels carried in fragmented datagrams (spec: "Encapsulated traffic", "nothing inside a tunnel passes unjudged").
/// A fragment whose protocol can carry a tunnel (GRE, IP in IP, UDP) is accounted like any fragment, in its own flow,
/// and its bytes go to a <see cref="CarrierReassembler"/>; the packets inside are opened once the datagram is whole, or
/// when it expires or the input ends with what came from offset 0 on, and join their flows then (counted in their own
/// flows' packets, like every packet carried in a tunnel, not again in the run's accounting).
/// </summary>
public sealed partial class Verifier
{
    private const int MaxIpHeader = 40;
    private readonly CarrierReassembler _reassembler = new();
    private readonly byte[] _synthetic = new byte[MaxIpHeader + CarrierReassembler.MaxPayload];
    private readonly DecodedPacket[] _carried = new DecodedPacket[MaxLayers];

    /// <summary>A fragment of a datagram that may carry a tunnel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool MayCarryTunnel(in DecodedPacket p) =>
        p.IsFragment && p.Kind == PacketKind.Ip &&
        p.Protocol is IpProto.Gre or IpProto.IpInIp or IpProto.Ipv6InIp or IpProto.Udp;

    /// <summary>The first of <paramref name="layers"/> that is a fragment that may carry a tunnel, or -1.</summary>
    private static int CarrierFragment(ReadOnlySpan<DecodedPacket> layers)
    {
        for (int i = 0; i < layers.Length; i++)
            if (MayCarryTunnel(in layers[i])) return i;
        return -1;
    }

    /// <summary>
    /// A frame whose packet at <paramref name="k"/> is a fragment that may carry a tunnel: the frame is handled with
    /// its packets up to that one (what it carries waits for the rest of the datagram), then the fragment goes to the
    /// reassembler, and a datagram it completes is opened. <paramref name="layers"/> are the frame's packets as decoded
    /// from <paramref name="record"/>'s bytes, the tunnels around them in <see cref="_tunnels"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ProcessCarrierFragment(Span<DecodedPacket> layers, int k, in CaptureRecord record)
    {
        var frag = layers[k];
        // a tunnel header cut by the fragment boundary counts: the rest of it is in the next fragment
        bool carries = frag.FragmentOffset == 0 && (frag.NextTunnel != TunnelType.None || frag.Undecoded == UndecodedReason.TruncatedTunnel);
        // and such a fragment is not a truncated tunnel in the accounting
        if (frag.MoreFragments && frag.Undecoded == UndecodedReason.TruncatedTunnel) layers[k].Undecoded = UndecodedReason.None;
        var tunnelsAround = Tunnels;
        ProcessLayers(layers[..(k + 1)], in record);

        var frame = record.Data;
        int start = frag.FragmentDataOffset;
        if ((uint)start > (uint)frame.Length) return;
        int length = Math.Min(Math.Max(frag.FragmentDataLength, 0), frame.Length - start);
        var key = new CarrierReassembler.Key(frag.SrcIp, frag.DstIp, frag.Protocol, frag.FragmentId, frag.VirtualNetwork, frag.TunnelDepth);
        var done = _reassembler.Add(in key, frag.IpVersion, in tunnelsAround, frag.FragmentOffset, frag.MoreFragments,
            frame.Slice(start, length), carries, record.TimestampNs, record.FileOffset, record.OriginalLength, out var evicted);
        if (evicted is not null) OpenCarried(evicted, in record, complete: false);
        if (done is not null) OpenCarried(done, in record, complete: true);
    }

    /// <summary>Opens the datagrams whose fragments stopped coming <see cref="CarrierReassembler.LifetimeNs"/> ago.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ExpireCarried(long now)
    {
        while (_reassembler.TryTakeExpired(now, out var d)) OpenIncomplete(d);
    }

    /// <summary>End of input: every datagram still incomplete is opened as far as it goes.</summary>
    private void FlushCarried()
    {
        while (_reassembler.TryTakeAny(out var d)) OpenIncomplete(d);
    }

    /// <summary>Opens an incomplete datagram as far as it goes, at the time of its latest fragment.</summary>
    private void OpenIncomplete(CarrierReassembler.Datagram d)
    {
        var at = new CaptureRecord(default, d.LastTs, 0, LinkTypes.Ethernet, _nanos, d.FirstOffset);
        OpenCarried(d, in at, complete: false);
    }

    /// <summary>
    /// Opens a reassembled datagram (or, when <paramref name="complete"/> is false, its bytes from offset 0 up to the
    /// first gap): the packets it carries join their flows with the tunnels around them. The datagram itself is not
    /// counted again (its fragments were). <paramref name="at"/> gives the time (the fragment that completed it).
    /// </summary>
    private void OpenCarried(CarrierReassembler.Datagram d, in CaptureRecord at, bool complete)
    {
        var frameTunnels = _tunnels; // the frame being handled keeps its own
        int frameRing = _tunnelRing;
        try
        {
            int length = complete ? d.Total : d.ContiguousLength();
            if (d.NotCarrier || !d.HasFirst || length <= 0) return;
            int header = WriteHeader(d, length);
            d.Payload(length).CopyTo(_synthetic.AsSpan(header));
            var bytes = _synthetic.AsSpan(0, header + length);
            ref var outer = ref _carried[0];
            FrameDecoder.Decode(d.IpVersion == 4 ? LinkTypes.Ipv4 : LinkTypes.Ipv6, bytes, ref outer);
            if (outer.NextTunnel == TunnelType.None) return;
            outer.TunnelDepth = d.Key.Depth;
            outer.VirtualNetwork = d.Key.VirtualNetwork;
            var tunnels = d.Tunnels;
            int n = DecodeLayers(bytes, in outer, _carried, ref tunnels);
            _tunnels = tunnels;
            _tunnelRing = -1;
            var record = new CaptureRecord(default, Math.Max(at.TimestampNs, d.FirstTs), (int)Math.Min(int.MaxValue, d.FrameBytes),
                at.LinkType, at.NanosecondResolution, d.FirstOffset);
            for (int l = 1; l < n; l++)
            {
                ref var p = ref _carried[l];
                switch (p.Kind)
                {
                    case PacketKind.Ip:
                        ulong id = _tracker.Track(ref p, in record, count: p.Undecoded == UndecodedReason.None, frame: false, out _, out _);
                        if (id != 0 && !at.Data.IsEmpty) Observer?.OnPacket(id, at);
                        break;
                    case PacketKind.Arp when p.Undecoded == UndecodedReason.None:
                        if (p.HasMac) _frameChecks.Check(in p, p.ArpSenderIp, in record);
                        break;
                }
            }
        }
        finally
        {
            _tunnels = frameTunnels;
            _tunnelRing = frameRing;
            _reassembler.Release(d);
        }
    }

    /// <summary>An IP header for the whole datagram, unfragmented, in front of its payload in <see cref="_synthetic"/>.</summary>
    private int WriteHeader(CarrierReassembler.Datagram d, int length)
    {
        var h = _synthetic.AsSpan();
        var k = d.Key;
        if (d.IpVersion == 4)
        {
            h[..20].Clear();
            h[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(h[2..], (ushort)Math.Min(ushort.MaxValue, 20 + length));
            h[8] = 64;
            h[9] = k.Protocol;
            BinaryPrimitives.WriteUInt32BigEndian(h[12..], k.Src.V4);
            BinaryPrimitives.WriteUInt32BigEndian(h[16..], k.Dst.V4);
            return 20;
        }
        h[..40].Clear();
        h[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(h[4..], (ushort)length);
        h[6] = k.Protocol;
        h[7] = 64;
        BinaryPrimitives.WriteUInt64BigEndian(h[8..], k.Src.Hi);
        BinaryPrimitives.WriteUInt64BigEndian(h[16..], k.Src.Lo);
        BinaryPrimitives.WriteUInt64BigEndian(h[24..], k.Dst.Hi);
        BinaryPrimitives.WriteUInt64BigEndian(h[32..], k.Dst.Lo);
        return 40;
    }
}
