using System.Buffers;
using System.Buffers.Binary;
using SegVerify.Core.Capture;
using SegVerify.Core.Engine;
using SegVerify.Core.Findings;

namespace SegVerify.Live.Evidence;

/// <summary>
/// monitor's <c>--evidence DIR</c>: keeps the packets of every open flow (up to a cap per flow and a cap over all
/// flows), and when a flow is judged with a violation writes them to <c>DIR/&lt;community id&gt;.pcap</c>; a flow judged
/// without one gives its buffer back. Runs on the engine thread (it is the verifier's <see cref="IPacketObserver"/>).
/// </summary>
public sealed class EvidenceRecorder : IPacketObserver, IDisposable
{
    private const int RecordHeaderSize = 16;   // captured length, original length, timestamp
    private const int InitialBufferSize = 4 * 1024;

    private sealed class FlowBuffer
    {
        public byte[] Data = [];
        public int Length;
        public int Packets;
        public bool Truncated;

        public void Reset()
        {
            if (Data.Length > 0) ArrayPool<byte>.Shared.Return(Data);
            Data = [];
            Length = 0;
            Packets = 0;
            Truncated = false;
        }
    }

    private readonly string _dir;
    private readonly int _maxPacketsPerFlow;
    private readonly long _maxTotalBytes;
    private readonly int _linkType;
    private readonly bool _nanos;
    private readonly int _snaplen;
    private readonly Action<string>? _log;
    private readonly Dictionary<ulong, FlowBuffer> _flows = new();
    private readonly Stack<FlowBuffer> _spare = new();
    private readonly HashSet<string> _frameViolations = new(StringComparer.Ordinal);
    private const int MaxMarkedFlows = 100_000;
    private long _bufferedBytes;

    /// <param name="linkType">LINKTYPE_* of the capture (written into each file).</param>
    /// <param name="maxTotalBytes">Cap on the bytes buffered over all open flows; past it, packets are not kept.</param>
    /// <param name="log">Told the path of every file written (stderr in monitor).</param>
    public EvidenceRecorder(string dir, int maxPacketsPerFlow, long maxTotalBytes, int linkType, bool nanos, int snaplen,
        Action<string>? log = null)
    {
        _dir = dir;
        _maxPacketsPerFlow = maxPacketsPerFlow;
        _maxTotalBytes = maxTotalBytes;
        _linkType = linkType;
        _nanos = nanos;
        _snaplen = snaplen;
        _log = log;
        Directory.CreateDirectory(dir);
    }

    /// <summary>Evidence files written so far.</summary>
    public long FilesWritten { get; private set; }
    /// <summary>Packets not kept because a flow reached its cap or the overall cap was reached.</summary>
    public long PacketsNotKept { get; private set; }
    /// <summary>Bytes currently buffered over all open flows.</summary>
    public long BufferedBytes => _bufferedBytes;
    /// <summary>Flows currently buffered.</summary>
    public int OpenFlows => _flows.Count;

    public void OnPacket(ulong flowId, in CaptureRecord record)
    {
        if (flowId == 0) return;
        if (!_flows.TryGetValue(flowId, out var fb))
        {
            fb = _spare.Count > 0 ? _spare.Pop() : new FlowBuffer();
            _flows.Add(flowId, fb);
        }
        int need = RecordHeaderSize + record.Data.Length;
        if (fb.Packets >= _maxPacketsPerFlow || _bufferedBytes + need > _maxTotalBytes)
        {
            fb.Truncated = true;
            PacketsNotKept++;
            return;
        }
        if (fb.Length + need > fb.Data.Length) Grow(fb, fb.Length + need);
        var span = fb.Data.AsSpan(fb.Length, need);
        BinaryPrimitives.WriteInt32LittleEndian(span, record.Data.Length);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], record.OriginalLength);
        BinaryPrimitives.WriteInt64LittleEndian(span[8..], record.TimestampNs);
        record.Data.CopyTo(span[RecordHeaderSize..]);
        fb.Length += need;
        fb.Packets++;
        _bufferedBytes += need;
    }

    private static void Grow(FlowBuffer fb, int atLeast)
    {
        int size = Math.Max(InitialBufferSize, fb.Data.Length * 2);
        while (size < atLeast) size *= 2;
        var bigger = ArrayPool<byte>.Shared.Rent(size);
        fb.Data.AsSpan(0, fb.Length).CopyTo(bigger);
        if (fb.Data.Length > 0) ArrayPool<byte>.Shared.Return(fb.Data);
        fb.Data = bigger;
    }

    /// <summary>
    /// Called for a frame-level violation (mac-binding, unregistered-device) seen in a flow's packets: the flow's
    /// evidence is written when it is judged, even if its verdict is clean.
    /// </summary>
    public void MarkFrameViolation(string? communityId)
    {
        if (string.IsNullOrEmpty(communityId)) return;
        if (_frameViolations.Count >= MaxMarkedFlows) _frameViolations.Clear(); // ids of frames that belong to no flow
        _frameViolations.Add(communityId);
    }

    public void OnFlowJudged(ulong flowId, string communityId, IReadOnlyList<Finding> findings)
    {
        bool marked = _frameViolations.Remove(communityId);
        if (!_flows.Remove(flowId, out var fb)) return;
        try
        {
            bool violation = marked;
            foreach (var f in findings)
                if (f.Severity == Severity.Violation) { violation = true; break; }
            if (violation && fb.Packets > 0) Write(communityId, flowId, fb);
        }
        finally
        {
            _bufferedBytes -= fb.Length;
            fb.Reset();
            _spare.Push(fb);
        }
    }

    private void Write(string communityId, ulong flowId, FlowBuffer fb)
    {
        var path = UniquePath(FileNameFor(communityId, flowId));
        try
        {
            using var w = PcapFileWriter.Create(path, _linkType, _nanos, _snaplen);
            int off = 0;
            while (off < fb.Length)
            {
                var span = fb.Data.AsSpan(off);
                int cap = BinaryPrimitives.ReadInt32LittleEndian(span);
                int orig = BinaryPrimitives.ReadInt32LittleEndian(span[4..]);
                long ts = BinaryPrimitives.ReadInt64LittleEndian(span[8..]);
                w.Write(span.Slice(RecordHeaderSize, cap), orig, ts);
                off += RecordHeaderSize + cap;
            }
            FilesWritten++;
            _log?.Invoke(path + (fb.Truncated ? " (truncated)" : ""));
        }
        catch (IOException ex)
        {
            _log?.Invoke("error: " + path + ": " + ex.Message);
        }
        catch (UnauthorizedAccessException ex)
        {
            _log?.Invoke("error: " + path + ": " + ex.Message);
        }
    }

    private string UniquePath(string fileName)
    {
        var path = Path.Combine(_dir, fileName + ".pcap");
        for (int n = 2; File.Exists(path); n++) path = Path.Combine(_dir, $"{fileName}-{n}.pcap");
        return path;
    }

    /// <summary>
    /// The file name (without extension) for a flow: its Community ID with the characters that are unsafe in file
    /// names replaced ('/' to '_', '+' to '-', as in base64url, and ':' to '_'), or <c>flow-&lt;id&gt;</c> without one.
    /// </summary>
    public static string FileNameFor(string? communityId, ulong flowId)
    {
        if (string.IsNullOrEmpty(communityId)) return "flow-" + flowId;
        return string.Create(communityId.Length, communityId, static (dst, src) =>
        {
            for (int i = 0; i < src.Length; i++)
                dst[i] = src[i] switch { '/' => '_', '+' => '-', ':' => '_', var c => c };
        });
    }

    public void Dispose()
    {
        foreach (var fb in _flows.Values) fb.Reset();
        _flows.Clear();
        _bufferedBytes = 0;
    }
}
