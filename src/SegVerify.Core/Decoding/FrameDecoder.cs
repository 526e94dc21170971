using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SegVerify.Core.Decoding;

/// <summary>
/// Decodes one captured frame into a <see cref="DecodedPacket"/> without allocating. Structured like Zeek's packet
/// analysis: the link type selects the first layer, each layer is a small static class that reads its header from a
/// span and hands the rest to the next layer through the one dispatch table (<see cref="Dispatch"/>), keyed by link
/// type, ethertype, GRE protocol type, IP protocol number or UDP port. Adding a layer is adding a file and a table line.
/// <para>
/// Conventions: a layer never reads past the span it is given; when a header is cut short or malformed it sets
/// <see cref="DecodedPacket.Undecoded"/> to the reason and stops. <see cref="DecodedPacket.Kind"/> says how far
/// decoding got: <see cref="PacketKind.Undecoded"/> when nothing usable was read, <see cref="PacketKind.Ip"/> once the
/// IP header (addresses, protocol) was read, even if a later header then failed (then <see cref="DecodedPacket.IsPartial"/>
/// is true and the L4 fields are not claimed). Every frame with <c>Undecoded != None</c> belongs in the summary's
/// <c>undecoded</c> counts. Checksums are not verified (mirror ports see offloaded checksums).
/// </para>
/// <para>
/// Tunnels: a layer that finds an encapsulation (GRE, ERSPAN, VXLAN, GENEVE, MPLS, IP in IP, Teredo) does not decode
/// the carried packet; it records where it is (<see cref="DecodedPacket.NextTunnel"/> and the <c>Next*</c> fields), so
/// that the outer packet is complete on its own. <see cref="DecodeInner"/> then turns the same struct into the carried
/// packet, pushing the tunnel onto a <see cref="TunnelStack"/>; a frame thus yields its packets outermost first.
/// </para>
/// </summary>
public static class FrameDecoder
{
    /// <summary>Resets <paramref name="p"/>, decodes <paramref name="frame"/> of the given LINKTYPE into it, and
    /// returns true when <see cref="DecodedPacket.Kind"/> is not <see cref="PacketKind.Undecoded"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool Decode(int linkType, ReadOnlySpan<byte> frame, ref DecodedPacket p)
    {
        Clear(ref p);
        if (!Dispatch.LinkType(linkType, frame, ref p)) p.Undecoded = UndecodedReason.UnsupportedLinkType;
        return p.Kind != PacketKind.Undecoded;
    }

    /// <summary>
    /// When <paramref name="p"/> carries a tunnel (<see cref="DecodedPacket.NextTunnel"/>), records the tunnel at
    /// depth <see cref="DecodedPacket.TunnelDepth"/> of <paramref name="tunnels"/> and decodes the carried packet
    /// of <paramref name="frame"/> (the same bytes <paramref name="p"/> was decoded from) into <paramref name="p"/>;
    /// returns false, leaving <paramref name="p"/> as it is, when there is no tunnel. Beyond
    /// <see cref="TunnelStack.MaxDepth"/> tunnels the carried packet is not decoded: <paramref name="p"/> becomes an
    /// undecoded packet with reason <see cref="UndecodedReason.TunnelDepth"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool DecodeInner(ReadOnlySpan<byte> frame, ref DecodedPacket p, ref TunnelStack tunnels) =>
        DecodeInner(frame, in p, ref p, ref tunnels);

    /// <summary>
    /// <see cref="DecodeInner(ReadOnlySpan{byte}, ref DecodedPacket, ref TunnelStack)"/> from <paramref name="carrier"/>
    /// into <paramref name="p"/> (which may be the same packet), so that a frame's packets are decoded one after the
    /// other without copying each before it is opened. <paramref name="p"/> is not touched when there is no tunnel.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool DecodeInner(ReadOnlySpan<byte> frame, in DecodedPacket carrier, ref DecodedPacket p, ref TunnelStack tunnels)
    {
        ref readonly var c = ref carrier;
        var type = c.NextTunnel;
        if (type == TunnelType.None) return false;
        int depth = c.TunnelDepth;
        if (depth >= TunnelStack.MaxDepth)
        {
            p = default;
            p.TunnelDepth = (byte)depth;
            p.Undecoded = UndecodedReason.TunnelDepth;
            return true;
        }
        bool carrierIp = c.Kind == PacketKind.Ip && type != TunnelType.Mpls;
        tunnels[depth] = new TunnelHop(type, carrierIp, c.SrcIp, c.DstIp, c.NextHasId, c.NextTunnelId);
        ulong vn = c.NextHasId && TunnelStack.NamesVirtualNetwork(type)
            ? TunnelStack.VirtualNetworkOf(type, c.NextTunnelId)
            : c.VirtualNetwork;
        ushort etherType = c.NextEtherType, vlan = c.NextVlan;
        int offset = c.NextOffset, length = c.NextLength;
        Clear(ref p);
        p.TunnelDepth = (byte)(depth + 1);
        p.VirtualNetwork = vn;
        p.Offset = offset;
        if ((uint)offset > (uint)frame.Length || (uint)length > (uint)(frame.Length - offset))
        {
            Fail(ref p, UndecodedReason.TruncatedTunnel); // cannot happen for a boundary the layers set on this frame
            return true;
        }
        Dispatch.EtherType(etherType, frame.Slice(offset, length), 0, ref p);
        if (vlan != 0 && p.HasMac && p.VlanCount == 0)
        {
            // the mirror session stripped the frame's tag and wrote its VLAN in its own header
            p.VlanCount = 1;
            p.OuterVlan = vlan;
        }
        return true;
    }

    /// <summary>
    /// <c>p = default</c> as a few inline 16-byte stores (the struct holds no references): the compiler would call a
    /// general memory-clearing routine for a struct this size, on every frame.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Clear(ref DecodedPacket p)
    {
        const int Chunk = 16;
        int size = Unsafe.SizeOf<DecodedPacket>(); // a constant to the compiler: the tests below fold away
        if (RuntimeHelpers.IsReferenceOrContainsReferences<DecodedPacket>() || !Vector128.IsHardwareAccelerated ||
            size < Chunk || size > 16 * Chunk)
        {
            p = default;
            return;
        }
        ref byte b = ref Unsafe.As<DecodedPacket, byte>(ref p);
        var z = Vector128<byte>.Zero;
        z.StoreUnsafe(ref b);
        if (size > 2 * Chunk) z.StoreUnsafe(ref b, 1 * Chunk);
        if (size > 3 * Chunk) z.StoreUnsafe(ref b, 2 * Chunk);
        if (size > 4 * Chunk) z.StoreUnsafe(ref b, 3 * Chunk);
        if (size > 5 * Chunk) z.StoreUnsafe(ref b, 4 * Chunk);
        if (size > 6 * Chunk) z.StoreUnsafe(ref b, 5 * Chunk);
        if (size > 7 * Chunk) z.StoreUnsafe(ref b, 6 * Chunk);
        if (size > 8 * Chunk) z.StoreUnsafe(ref b, 7 * Chunk);
        if (size > 9 * Chunk) z.StoreUnsafe(ref b, 8 * Chunk);
        if (size > 10 * Chunk) z.StoreUnsafe(ref b, 9 * Chunk);
        if (size > 11 * Chunk) z.StoreUnsafe(ref b, 10 * Chunk);
        if (size > 12 * Chunk) z.StoreUnsafe(ref b, 11 * Chunk);
        if (size > 13 * Chunk) z.StoreUnsafe(ref b, 12 * Chunk);
        if (size > 14 * Chunk) z.StoreUnsafe(ref b, 13 * Chunk);
        if (size > 15 * Chunk) z.StoreUnsafe(ref b, 14 * Chunk);
        // the last 16 bytes (overlapping the store before when the size is not a multiple of 16)
        z.StoreUnsafe(ref b, (nuint)(size - Chunk));
    }

    /// <summary>Marks the frame as not decodable for <paramref name="reason"/> (keeps a Kind already reached).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void Fail(ref DecodedPacket p, UndecodedReason reason) => p.Undecoded = reason;
}
