using SegVerify.Core.Net;

namespace SegVerify.Core.Decoding;

/// <summary>IP Authentication Header (RFC 4302) after an IPv4 header; in IPv6 it is part of the extension chain.</summary>
internal static class AuthHeader
{
    private const int MinLength = 8;
    private const int LengthUnit = 4;   // payload length field: (len + 2) * 4 octets

    /// <summary>The layer after an IPv4 header with protocol 51 (transport mode): skipped once, then the transport.</summary>
    public static void Decode(ReadOnlySpan<byte> b, ref DecodedPacket p)
    {
        if (!Skip(ref b, out byte next, out int length))
        {
            FrameDecoder.Fail(ref p, UndecodedReason.TruncatedAuthHeader);
            return;
        }
        p.Protocol = next;
        p.L4Length = Math.Max(0, p.L4Length - length);
        if (next != IpProto.Ah) Dispatch.IpProtocol(next, b, length, ref p); // skipped once, as before
    }

    /// <summary>Skips the header at the start of <paramref name="b"/>; false when it is cut short.</summary>
    public static bool Skip(ref ReadOnlySpan<byte> b, out byte next, out int length)
    {
        next = 0;
        length = 0;
        if (b.Length < MinLength) return false;
        int len = (b[1] + 2) * LengthUnit;
        if (len > b.Length) return false;
        next = b[0];
        length = len;
        b = b.Slice(len);
        return true;
    }
}
