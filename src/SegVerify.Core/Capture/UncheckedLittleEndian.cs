using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace SegVerify.Core.Capture;

/// <summary>
/// Reads of little-endian header fields at an offset from a reference, without a bounds check: for readers' fast
/// paths, which check once that a whole record header (or block) is in the buffer and then read its fields.
/// </summary>
internal static class UncheckedLittleEndian
{
    /// <summary>The little-endian 32-bit value at <paramref name="offset"/> from <paramref name="b"/> (the caller has checked the bounds).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint U32(ref byte b, int offset)
    {
        uint v = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref b, offset));
        return BitConverter.IsLittleEndian ? v : BinaryPrimitives.ReverseEndianness(v);
    }
}
