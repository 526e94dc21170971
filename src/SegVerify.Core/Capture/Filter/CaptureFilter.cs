using System.Buffers.Binary;

namespace SegVerify.Core.Capture.Filter;

/// <summary>
/// A tcpdump-style filter expression, compiled by libpcap for each link type it meets (a pcapng capture may hold
/// several) as tcpdump compiles it for a capture file, and run on each record by <see cref="BpfProgram"/>: a record
/// matches exactly when <c>tcpdump -r CAPTURE EXPRESSION</c> would print it.
/// </summary>
public sealed class CaptureFilter
{
    /// <summary>LINKTYPE_ENC (OpenBSD IPsec): like DLT_NULL, a family word in the capturing host's byte order.</summary>
    private const int LinkTypeEnc = 109;

    private readonly Dictionary<(int LinkType, bool Swapped), BpfProgram> _programs = [];
    private int _lastKey = -1;
    private BpfProgram? _last;

    private CaptureFilter(string expression) => Expression = expression;

    public string Expression { get; }

    /// <summary>
    /// Compiles <paramref name="expression"/> for Ethernet at once, so that a syntax error is reported before any
    /// capture is read. Throws <see cref="CaptureFilterException"/> or <see cref="LibpcapMissingException"/>.
    /// </summary>
    public static CaptureFilter Create(string expression)
    {
        var f = new CaptureFilter(expression);
        f.ProgramFor(LinkTypes.Ethernet, swapped: false);
        return f;
    }

    /// <summary>
    /// Whether the record passes. Throws <see cref="CaptureFilterException"/> when the expression does not apply to
    /// the record's link type (e.g. <c>ether host</c> on raw IP), as tcpdump refuses such a capture.
    /// </summary>
    public bool Matches(in CaptureRecord record)
    {
        bool swapped = record.LinkType is LinkTypes.Null or LinkTypeEnc && FamilyWordSwapped(record.Data);
        int key = record.LinkType << 1 | (swapped ? 1 : 0);
        var prog = key == _lastKey ? _last! : ProgramFor(record.LinkType, swapped);
        return prog.Matches(record.Data, record.OriginalLength);
    }

    /// <summary>
    /// DLT_NULL's first word is an AF_ value in the byte order of the machine that captured (libpcap compiles the
    /// comparison for the capture file's byte order). The capture's byte order is not at hand per record, so it is
    /// read off the word: an AF_ value is small, so a word that is small only when its bytes are reversed was
    /// written in the other byte order.
    /// </summary>
    private static bool FamilyWordSwapped(ReadOnlySpan<byte> data)
    {
        if (data.Length < 4) return false;
        uint host = BitConverter.ToUInt32(data);
        return host > 0xffff && BinaryPrimitives.ReverseEndianness(host) <= 0xffff;
    }

    private BpfProgram ProgramFor(int linkType, bool swapped)
    {
        if (!_programs.TryGetValue((linkType, swapped), out var prog))
            _programs[(linkType, swapped)] = prog = LibpcapFilterCompiler.CompileForFile(Expression, linkType, swapped);
        _lastKey = linkType << 1 | (swapped ? 1 : 0);
        _last = prog;
        return prog;
    }
}
