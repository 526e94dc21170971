using System.Runtime.CompilerServices;

namespace SegVerify.Core.Decoding;

/// <summary>
/// IEEE 802.1Q (0x8100) and 802.1ad / legacy QinQ (0x88A8, 0x9100, 0x9200) tags. The outermost tag's VLAN id goes to
/// <see cref="DecodedPacket.OuterVlan"/>, the second to <see cref="DecodedPacket.InnerVlan"/>; deeper tags are
/// followed (up to <see cref="MaxTags"/>) but not recorded.
/// </summary>
internal static class Vlan
{
    public const int TagLength = 4;       // TCI + inner ethertype (the tag's own ethertype was read by the caller)
    public const int MaxTags = 8;
    private const ushort VlanIdMask = 0x0FFF;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Decode(ReadOnlySpan<byte> payload, ref DecodedPacket p)
    {
        int tags = p.VlanCount;
        int consumed = 0;
        ushort type;
        while (true)
        {
            if (payload.Length < TagLength)
            {
                FrameDecoder.Fail(ref p, UndecodedReason.TruncatedVlanTag);
                return;
            }
            if (tags >= MaxTags)
            {
                FrameDecoder.Fail(ref p, UndecodedReason.TooManyVlanTags);
                return;
            }
            ushort vid = (ushort)(UncheckedBigEndian.U16(payload, 0) & VlanIdMask);
            type = UncheckedBigEndian.U16(payload, 2);
            if (tags == 0) p.OuterVlan = vid;
            else if (tags == 1) p.InnerVlan = vid;
            tags++;
            p.VlanCount = (byte)Math.Min(tags, 2);
            payload = payload.Slice(TagLength);
            consumed += TagLength;
            if (type is not (EtherTypes.Vlan or EtherTypes.QinQ or EtherTypes.QinQLegacy or EtherTypes.QinQLegacy2))
                break;
        }
        if (type < EtherTypes.MinEtherType)
        {
            p.EtherType = type;
            p.Kind = PacketKind.OtherL2;
            return;
        }
        Dispatch.EtherType(type, payload, consumed, ref p);
    }
}
