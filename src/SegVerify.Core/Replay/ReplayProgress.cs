namespace SegVerify.Core.Replay;

/// <summary>
/// How far a replay run has got, for a progress display on another thread: the run updates it (per read of the
/// input, not per packet), the display reads it whenever it likes. Values read while the run goes on may be a moment
/// old, never torn.
/// </summary>
public sealed class ReplayProgress
{
    private long _doneBytes; // guarded by _gate, with _current
    private long _totalBytes = -1;
    private CountingReadStream? _current;
    private Func<long>? _packets;
    private string? _capture;
    private int _index, _count;
    private volatile bool _finished;
    private readonly Lock _gate = new();

    /// <summary>Bytes of all the captures (the sum of the files' sizes); -1 when unknown (standard input).</summary>
    public long TotalBytes => Volatile.Read(ref _totalBytes);

    /// <summary>Bytes read so far, over every capture.</summary>
    public long BytesRead
    {
        get
        {
            lock (_gate) return _doneBytes + (_current?.Count ?? 0);
        }
    }

    /// <summary>Records read so far (analysed, or left out by a filter).</summary>
    public long PacketsRead => _packets?.Invoke() ?? 0;

    /// <summary>The capture being read (1-based <see cref="CaptureIndex"/> of <see cref="CaptureCount"/>).</summary>
    public string? Capture => Volatile.Read(ref _capture);
    public int CaptureIndex => Volatile.Read(ref _index);
    public int CaptureCount => Volatile.Read(ref _count);

    /// <summary>Every capture has been read (the run is judging the flows still open and writing the summary).</summary>
    public bool Finished => _finished;

    internal void Start(IReadOnlyList<string> inputs, Func<long> packets)
    {
        long total = 0;
        foreach (var i in inputs)
        {
            if (i == SegVerify.Core.Capture.CaptureOpener.StdinName) { total = -1; break; }
            try { total += new FileInfo(i).Length; }
            catch (IOException) { total = -1; break; }
            catch (UnauthorizedAccessException) { total = -1; break; }
        }
        _packets = packets;
        Volatile.Write(ref _count, inputs.Count);
        Volatile.Write(ref _totalBytes, total);
    }

    internal Stream Open(string name, int index, Stream raw)
    {
        var counting = new CountingReadStream(raw);
        Volatile.Write(ref _capture, name);
        Volatile.Write(ref _index, index);
        lock (_gate) _current = counting;
        return counting;
    }

    internal void Close()
    {
        lock (_gate)
        {
            if (_current is null) return;
            _doneBytes += _current.Count;
            _current = null;
        }
    }

    internal void Finish() => _finished = true;
}
