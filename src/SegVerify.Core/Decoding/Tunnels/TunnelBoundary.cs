namespace SegVerify.Core.Decoding;

/// <summary>How a tunnel layer marks where the carried packet starts (see <see cref="FrameDecoder.DecodeInner"/>).</summary>
internal static class TunnelBoundary
{
    /// <summary>
    /// The packet being decoded carries a packet of <paramref name="innerEtherType"/> that starts
    /// <paramref name="headerLength"/> bytes into the current layer's span and is <paramref name="innerLength"/> long.
    /// </summary>
    public static void Enter(ref DecodedPacket p, TunnelType type, bool hasId, uint id, ushort innerEtherType, int headerLength, int innerLength)
    {
        p.NextTunnel = type;
        p.NextHasId = hasId;
        p.NextTunnelId = id;
        p.NextEtherType = innerEtherType;
        p.NextOffset = p.Offset + headerLength;
        p.NextLength = innerLength;
    }

    /// <summary>A tunnel header cut short: nothing is carried, the outer packet stays usable.</summary>
    public static void Truncated(ref DecodedPacket p)
    {
        p.NextTunnel = TunnelType.None;
        FrameDecoder.Fail(ref p, UndecodedReason.TruncatedTunnel);
    }
}
