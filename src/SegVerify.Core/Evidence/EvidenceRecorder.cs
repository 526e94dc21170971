using System.Buffers;
using System.Buffers.Binary;
using SegVerify.Core.Capture;
using SegVerify.Core.Engine;
using SegVerify.Core.Findings;

namespace SegVerify.Core.Evidence;

/// <summary>The bounds of <c>--evidence DIR</c> (replay and monitor).</summary>
public sealed class EvidenceOptions
{
    public const int DefaultMaxPacketsPerFlow = 1000;
    public const long DefaultMaxBufferedBytes = 256L * 1024 * 1024;
    public const int DefaultMaxFiles = 10_000;

    /// <summary>The directory the files go to, as the user gave it (the findings' <c>evidence</c> paths start with it).</summary>
    public required string Directory { get; init; }
    /// <summary>Packets kept per flow (the first ones); the rest are counted.</summary>
    public int MaxPacketsPerFlow { get; init; } = DefaultMaxPacketsPerFlow;
    /// <summary>Cap on the bytes buffered over all open flows; past it, packets are counted, not kept.</summary>
    public long MaxBufferedBytes { get; init; } = DefaultMaxBufferedBytes;
    /// <summary>Cap on the files written in one run; the violating flows past it are counted.</summary>
    public int MaxFiles { get; init; } = DefaultMaxFiles;
    /// <summary>The snapshot length written into each file's header.</summary>
    public int Snaplen { get; init; } = 262144;
}

/// <summary>
/// <c>--evidence DIR</c> (replay and monitor): keeps the packets of the flows that can still get a finding and,
/// when such a flow is judged with one (a violation or a warning), writes them to <c>DIR/&lt;community id&gt;.pcap</c>.
/// A flow is buffered from its first packet when the policy or the topology can give it a finding from there
/// (<see cref="OnFlowOpen"/>: the verifier tells, for its two possible initiators), from the packet that takes it past
/// the large-transfer limit when only that limit can, or from the frame that showed a frame-level violation
/// (mac-binding, unregistered-device) in it. Clean traffic is never buffered. A frame-level finding (mac-binding,
/// unregistered-device, vlan-mismatch) gets its own file at once, <c>DIR/&lt;rule&gt;-&lt;community id&gt;.pcap</c>,
/// holding the frame that showed it (<see cref="OnFrameFinding"/>). Bounded three ways: packets per flow, bytes
/// buffered over all flows and files per run; what each cap drops is counted (<see cref="AddToSummary"/>).
/// Runs on the engine thread (it is the verifier's <see cref="IPacketObserver"/>).
/// </summary>
public sealed class EvidenceRecorder : IPacketObserver, IDisposable
{
    private const int RecordHeaderSize = 16;   // captured length, original length, timestamp
    private const int InitialBufferSize = 4 * 1024;
    private const int MaxMarkedFlows = 100_000;

    private sealed class FlowBuffer
    {
        public byte[] Data = [];
        public int Length;
        public int Packets;
        public bool Truncated;
        public int LinkType = -1;
        public bool Nanos;

        public void Reset()
        {
            if (Data.Length > 0) ArrayPool<byte>.Shared.Return(Data);
            Data = [];
            Length = 0;
            Packets = 0;
            Truncated = false;
            LinkType = -1;
            Nanos = false;
        }
    }

    private readonly EvidenceOptions _o;
    private readonly Action<string, bool>? _written;
    private readonly Action<string, Exception>? _failed;
    private readonly Dictionary<ulong, FlowBuffer> _flows = new();
    private readonly Stack<FlowBuffer> _spare = new();
    private readonly HashSet<string> _frameViolations = new(StringComparer.Ordinal);
    private readonly HashSet<string> _usedNames = new(StringComparer.Ordinal);
    /// <summary>Flows that only the large-transfer limit can give a finding: the bytes left before they pass it.</summary>
    private readonly Dictionary<ulong, long> _bytesBeforeFinding = new();
    private long _bufferedBytes;
    /// <summary>A frame-level violation was just reported: the flow of the packet being handled is buffered from now on.</summary>
    private bool _watchNextPacket;

    /// <param name="written">Told the path of every file written, and whether a cap cut it.</param>
    /// <param name="failed">Told the path and the error of a file that could not be written (the caller words it: Messages.IoError).</param>
    public EvidenceRecorder(EvidenceOptions options, Action<string, bool>? written = null, Action<string, Exception>? failed = null)
    {
        _o = options;
        _written = written;
        _failed = failed;
        System.IO.Directory.CreateDirectory(options.Directory);
    }

    /// <summary>Evidence files written so far.</summary>
    public long FilesWritten { get; private set; }
    /// <summary>Packets not kept because their flow already had <see cref="EvidenceOptions.MaxPacketsPerFlow"/>.</summary>
    public long PacketsOverFlowCap { get; private set; }
    /// <summary>Packets not kept because <see cref="EvidenceOptions.MaxBufferedBytes"/> were buffered.</summary>
    public long PacketsOverByteCap { get; private set; }
    /// <summary>Packets not kept for either cap.</summary>
    public long PacketsNotKept => PacketsOverFlowCap + PacketsOverByteCap;
    /// <summary>Flows with findings judged after <see cref="EvidenceOptions.MaxFiles"/> files were written (no file).</summary>
    public long FlowsOverFileCap { get; private set; }
    /// <summary>Frame-level findings reported after <see cref="EvidenceOptions.MaxFiles"/> files were written (no file).</summary>
    public long FramesOverFileCap { get; private set; }
    /// <summary>Flows with findings and no packet kept (the byte cap was reached before their first packet).</summary>
    public long FlowsWithoutPackets { get; private set; }
    /// <summary>Files that could not be written (the error went to the <c>failed</c> callback).</summary>
    public long WriteErrors { get; private set; }
    /// <summary>Flows buffered so far (could become violations).</summary>
    public long FlowsBuffered { get; private set; }
    /// <summary>Bytes currently buffered over all open flows.</summary>
    public long BufferedBytes => _bufferedBytes;
    /// <summary>Flows currently buffered.</summary>
    public int OpenFlows => _flows.Count;

    private bool FilesLeft => FilesWritten < _o.MaxFiles;

    /// <param name="findingFromByte">0: the flow can get a finding from its first packet (it is buffered from there);
    /// another value: only once it has carried more bytes than that (it is buffered from the packet that takes it past);
    /// <see cref="IPacketObserver.NeverFinding"/>: never (not buffered).</param>
    public void OnFlowOpen(ulong flowId, long findingFromByte)
    {
        if (!FilesLeft || findingFromByte == IPacketObserver.NeverFinding) return;
        if (findingFromByte <= 0) Watch(flowId);
        else _bytesBeforeFinding[flowId] = findingFromByte;
    }

    /// <summary><see cref="OnFlowOpen(ulong, long)"/> for a flow that can get a finding from its first packet, or never.</summary>
    public void OnFlowOpen(ulong flowId, bool mayFind) => OnFlowOpen(flowId, mayFind ? 0 : IPacketObserver.NeverFinding);

    private FlowBuffer Watch(ulong flowId)
    {
        if (!_flows.TryGetValue(flowId, out var fb))
        {
            fb = _spare.Count > 0 ? _spare.Pop() : new FlowBuffer();
            _flows.Add(flowId, fb);
            FlowsBuffered++;
        }
        return fb;
    }

    public void OnPacket(ulong flowId, in CaptureRecord record)
    {
        if (flowId == 0) { _watchNextPacket = false; return; }
        if (!_flows.TryGetValue(flowId, out var fb))
        {
            if (!_watchNextPacket && !PassesLimit(flowId, record.OriginalLength)) return;
            fb = Watch(flowId);
        }
        _watchNextPacket = false;
        if (fb.LinkType < 0) { fb.LinkType = record.LinkType; fb.Nanos = record.NanosecondResolution; }
        int need = RecordHeaderSize + record.Data.Length;
        if (fb.Packets >= _o.MaxPacketsPerFlow || record.LinkType != fb.LinkType)
        {
            fb.Truncated = true;
            PacketsOverFlowCap++;
            return;
        }
        if (_bufferedBytes + need > _o.MaxBufferedBytes)
        {
            fb.Truncated = true;
            PacketsOverByteCap++;
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

    /// <summary>Counts a packet of a flow that only the large-transfer limit can give a finding; true once it passes the limit.</summary>
    private bool PassesLimit(ulong flowId, int bytes)
    {
        if (_bytesBeforeFinding.Count == 0) return false;
        ref long left = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrNullRef(_bytesBeforeFinding, flowId);
        if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref left)) return false;
        left -= bytes;
        if (left >= 0) return false;
        _bytesBeforeFinding.Remove(flowId);
        return FilesLeft;
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
    /// A frame-level finding in the packet being handled (<paramref name="record"/>): the frame is written to its own
    /// file at once, <c>&lt;rule&gt;-&lt;community id&gt;.pcap</c> (ARP: <c>&lt;rule&gt;-&lt;mac&gt;-&lt;address&gt;.pcap</c>),
    /// whose path is returned (null past the file cap, counted, or when it cannot be written). For a violation
    /// (mac-binding, unregistered-device) the flow is also buffered from this packet on (<see cref="OnFrameViolation"/>).
    /// </summary>
    public string? OnFrameFinding(Finding finding, in CaptureRecord record)
    {
        if (finding.Severity == Severity.Violation) OnFrameViolation(finding.CommunityId);
        if (!FilesLeft) { FramesOverFileCap++; return null; }
        string subject = string.IsNullOrEmpty(finding.CommunityId)
            ? $"{finding.SrcMac}-{finding.SrcIp}".Replace(':', '_')
            : FileNameFor(finding.CommunityId, 0);
        var path = UniquePath(finding.Rule + "-" + subject);
        return Write(path, null, in record);
    }

    /// <summary>
    /// A frame-level violation (mac-binding, unregistered-device) in the packet being handled: its flow is buffered from
    /// this packet on, and its evidence is written when it is judged, even if its verdict is clean.
    /// </summary>
    public void OnFrameViolation(string? communityId)
    {
        if (string.IsNullOrEmpty(communityId)) return;
        if (FilesLeft) _watchNextPacket = true;
        if (_frameViolations.Count >= MaxMarkedFlows) _frameViolations.Clear(); // ids of frames that belong to no flow
        _frameViolations.Add(communityId);
    }

    /// <summary>
    /// The flow has been judged: when it got a violation (or a frame-level one was seen in it), its packets are written;
    /// the buffer is given back either way. Returns the file's path (<see cref="EvidenceOptions.Directory"/> joined with
    /// its name), or null when no file was written.
    /// </summary>
    public string? OnFlowJudged(ulong flowId, string communityId, IReadOnlyList<Finding> findings)
    {
        bool found = _frameViolations.Remove(communityId) | findings.Count > 0;
        _flows.Remove(flowId, out var fb);
        if (_bytesBeforeFinding.Count > 0) _bytesBeforeFinding.Remove(flowId);
        try
        {
            if (!found) return null;
            if (!FilesLeft) { FlowsOverFileCap++; return null; }
            if (fb is null || fb.Packets == 0) { FlowsWithoutPackets++; return null; }
            return Write(UniquePath(FileNameFor(communityId, flowId)), fb, default);
        }
        finally
        {
            if (fb is not null)
            {
                _bufferedBytes -= fb.Length;
                fb.Reset();
                _spare.Push(fb);
            }
        }
    }

    /// <summary>Writes <paramref name="path"/>: the packets buffered in <paramref name="fb"/>, or (null) the one <paramref name="frame"/>.</summary>
    private string? Write(string path, FlowBuffer? fb, in CaptureRecord frame)
    {
        try
        {
            int linkType = fb?.LinkType ?? frame.LinkType;
            bool nanos = fb?.Nanos ?? frame.NanosecondResolution;
            using (var w = PcapFileWriter.Create(path, PcapFileWriter.ToLinkType(linkType), nanos, _o.Snaplen))
            {
                if (fb is null) w.Write(frame.Data, frame.OriginalLength, frame.TimestampNs);
                int off = 0;
                while (fb is not null && off < fb.Length)
                {
                    var span = fb.Data.AsSpan(off);
                    int cap = BinaryPrimitives.ReadInt32LittleEndian(span);
                    int orig = BinaryPrimitives.ReadInt32LittleEndian(span[4..]);
                    long ts = BinaryPrimitives.ReadInt64LittleEndian(span[8..]);
                    w.Write(span.Slice(RecordHeaderSize, cap), orig, ts);
                    off += RecordHeaderSize + cap;
                }
            }
            FilesWritten++;
            _written?.Invoke(path, fb?.Truncated ?? false);
            return path;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            WriteErrors++;
            try { File.Delete(path); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            _failed?.Invoke(path, ex);
            return null;
        }
    }

    /// <summary>A path under the directory not used before in this run nor present on disk ("-2", "-3"... appended).</summary>
    private string UniquePath(string fileName)
    {
        var name = fileName + ".pcap";
        for (int n = 2; _usedNames.Contains(name) || File.Exists(Path.Combine(_o.Directory, name)); n++)
            name = $"{fileName}-{n}.pcap";
        _usedNames.Add(name);
        return Path.Combine(_o.Directory, name);
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

    /// <summary>The evidence counters for the summary (the spec allows added fields).</summary>
    public void AddToSummary(Output.RunSummary summary)
    {
        summary.Extra.Add(new("evidence_files", FilesWritten));
        summary.Extra.Add(new("evidence_flows_buffered", FlowsBuffered));
        summary.Extra.Add(new("evidence_packets_not_kept", PacketsNotKept));
        summary.Extra.Add(new("evidence_packets_over_flow_cap", PacketsOverFlowCap));
        summary.Extra.Add(new("evidence_packets_over_byte_cap", PacketsOverByteCap));
        summary.Extra.Add(new("evidence_flows_over_file_cap", FlowsOverFileCap));
        summary.Extra.Add(new("evidence_frames_over_file_cap", FramesOverFileCap));
        summary.Extra.Add(new("evidence_flows_without_packets", FlowsWithoutPackets));
        summary.Extra.Add(new("evidence_write_errors", WriteErrors));
    }

    public void Dispose()
    {
        foreach (var fb in _flows.Values) fb.Reset();
        _flows.Clear();
        _bytesBeforeFinding.Clear();
        _bufferedBytes = 0;
    }
}
