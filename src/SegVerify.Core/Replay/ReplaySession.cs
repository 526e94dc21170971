using System.Diagnostics;
using SegVerify.Core.Capture;
using SegVerify.Core.Capture.Filter;
using SegVerify.Core.Engine;
using SegVerify.Core.Findings;
using SegVerify.Core.Localization;
using SegVerify.Core.Output;

namespace SegVerify.Core.Replay;

/// <summary>What a replay run reads and how.</summary>
public sealed class ReplayOptions
{
    /// <summary>The capture arguments as given: files, directories (every capture in them), or "-" for standard input.</summary>
    public required IReadOnlyList<string> Captures { get; init; }
    public required VerifierOptions Verifier { get; init; }
    /// <summary>Compute each capture's SHA-256 for the summary (false: "sha256": null).</summary>
    public bool HashCaptures { get; init; } = true;
    /// <summary>--evidence: a pcap of each flow with a finding and of each frame-level finding's frame (null: none).</summary>
    public Evidence.EvidenceOptions? Evidence { get; init; }
    /// <summary>Only the records matching this filter are analysed (tcpdump's selection); null: every record.</summary>
    public CaptureFilter? Filter { get; init; }
    /// <summary>Updated as the run reads (for a progress display); null: not tracked.</summary>
    public ReplayProgress? Progress { get; init; }
    /// <summary>Language of the run's messages on standard error and of its <see cref="RunInfo"/>.</summary>
    public string Language { get; init; } = "en";
}

/// <summary>
/// One replay run: expands the capture arguments, reads every capture in order through one engine, reports a
/// damaged capture as a warning, judges the flows still open at the end and writes the summary. Every event goes
/// through the sink given; problems with the inputs go to standard error.
/// </summary>
public sealed class ReplaySession
{
    private readonly ReplayOptions _o;
    private readonly Topology.Topology _topology;
    private readonly TextWriter _stderr;

    public ReplaySession(ReplayOptions options, Topology.Topology topology, TextWriter stderr)
    {
        _o = options;
        _topology = topology;
        _stderr = stderr;
    }

    /// <summary>The summary of the last <see cref="Run"/>.</summary>
    public RunSummary Summary { get; private set; } = new();

    private bool Ja => _o.Language == "ja";

    /// <summary>The capture files of the run (directories expanded; "-" for standard input), known when the sink is opened.</summary>
    public IReadOnlyList<string> Inputs { get; private set; } = [];

    /// <summary>
    /// Runs to the end of the input (or until <paramref name="cancel"/>, checked between captures and records: the
    /// flows read so far are then judged and the summary written). <paramref name="openSink"/> is called once the
    /// inputs are known to exist, so that a run that cannot start leaves no output behind; the session disposes it.
    /// </summary>
    public RunOutcome Run(Func<IFindingSink> openSink, CancellationToken cancel = default)
    {
        IReadOnlyList<string> inputs;
        try
        {
            inputs = CaptureOpener.Expand(_o.Captures);
        }
        catch (FileNotFoundException ex) when (Ja)
        {
            _stderr.WriteLine($"segverify: キャプチャファイルまたはディレクトリが見つかりません: {ex.FileName}");
            return RunOutcome.BadInput;
        }
        catch (FileNotFoundException ex)
        {
            _stderr.WriteLine($"segverify: capture file or directory not found: {ex.FileName}");
            return RunOutcome.BadInput;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // a directory that cannot be listed
            string args = string.Join(", ", _o.Captures);
            string why = Messages.IoError(ex, _o.Language);
            _stderr.WriteLine(Ja ? $"segverify: キャプチャを読めません: {args}: {why}" : $"segverify: cannot read the captures {args}: {why}");
            return RunOutcome.BadInput;
        }
        if (inputs.Count == 0)
        {
            _stderr.WriteLine(Ja ? "segverify: キャプチャファイルがありません" : "segverify: no capture files found");
            return RunOutcome.BadInput;
        }

        Inputs = inputs;
        var sw = Stopwatch.StartNew();
        bool unreadable = false;
        var summary = Summary = new RunSummary { TopologySha256 = _topology.Sha256 };
        if (_o.Filter is { } filter)
        {
            summary.Filter = filter.Expression;
            summary.FilteredOut = 0;
        }
        using var sink = openSink();
        sink.Begin(RunInfo.ForTraffic("replay", _topology, _o.Language));
        var counting = new CountingSink(sink, summary);
        var engine = new Verifier(_topology, counting, _o.Verifier);
        _o.Progress?.Start(inputs, () => engine.Stats.Packets + (summary.FilteredOut ?? 0) + (_filtering?.NotMatched ?? 0));
        using var evidence = _o.Evidence is { } ev
            ? new Evidence.EvidenceRecorder(ev, failed: (path, error) => _stderr.WriteLine(Ja
                ? $"segverify: 証拠 pcap を書けません: {path}: {Messages.IoError(error, _o.Language, path)}"
                : $"segverify: cannot write the evidence pcap {path}: {Messages.IoError(error, _o.Language, path)}"))
            : null;
        engine.Observer = evidence;

        for (int i = 0; i < inputs.Count; i++)
        {
            if (cancel.IsCancellationRequested) break;
            if (!ReadOne(inputs[i], i + 1, engine, counting, summary, cancel)) unreadable = true;
        }
        _o.Progress?.Finish();
        engine.Finish(summary);
        evidence?.AddToSummary(summary);
        summary.ElapsedSeconds = sw.Elapsed.TotalSeconds;
        if (cancel.IsCancellationRequested) summary.Extra.Add(new("interrupted", true));
        sink.End(summary);
        if (unreadable) return RunOutcome.BadInput;
        return summary.Violations > 0 ? RunOutcome.Violations : RunOutcome.Clean;
    }

    /// <summary>Reads one capture into the engine; false when it could not be read at all.</summary>
    /// <summary>The filter of the capture being read (progress counts the records it left out).</summary>
    private volatile FilteringReader? _filtering;

    private bool ReadOne(string input, int index, Verifier engine, IFindingSink findings, RunSummary summary, CancellationToken cancel)
    {
        bool stdin = input == CaptureOpener.StdinName;
        string name = stdin ? "-" : input;
        HashingStream? hashing = null;
        // A file's evidence hash is computed on another thread from its own read of the file, so it overlaps with the
        // analysis. With one CPU there is nothing to overlap with, so the file is hashed as it is read (no second read
        // of it); standard input can be read once only, so it is hashed that way too.
        bool inlineHash = _o.HashCaptures && (stdin || Environment.ProcessorCount == 1);
        Task<string?>? fileHash = !_o.HashCaptures || inlineHash ? null : Task.Run(() => CaptureHash.OfFile(input));
        try
        {
            Stream raw = stdin ? Console.OpenStandardInput() : OpenFile(input);
            if (_o.Progress is { } progress) raw = progress.Open(name, index, raw);
            if (inlineHash) raw = hashing = new HashingStream(raw);
            using var opened = CaptureOpener.Open(raw, name);
            // The engine checks cancellation before each read; a filter reads past records it leaves out, so under one
            // every record it reads is checked too.
            ICaptureReader reader = opened;
            FilteringReader? filtering = null;
            if (_o.Filter is { } filter)
            {
                if (cancel.CanBeCanceled) reader = new CancellableReader(reader, cancel);
                reader = _filtering = filtering = new FilteringReader(reader, filter);
            }
            engine.CurrentCapture = name;
            try
            {
                engine.ProcessAll(reader, cancel);
            }
            finally
            {
                if (filtering is not null) summary.FilteredOut += filtering.NotMatched;
                _filtering = null;
            }
            if (opened.Damage is { } d)
                findings.OnFinding(DamageFinding(d));
            summary.Captures.Add(new InputFile(name, hashing?.Finish() ?? fileHash?.GetAwaiter().GetResult()));
            return true;
        }
        catch (CaptureFormatException ex)
        {
            _stderr.WriteLine(Ja ? $"segverify: キャプチャとして読めません: {ex.Message}" : $"segverify: not a readable capture: {ex.Message}");
            string? hash = fileHash?.GetAwaiter().GetResult();
            if (hash is null && inlineHash && !stdin) hash = CaptureHash.OfFile(input); // the reader closed the stream
            summary.Captures.Add(new InputFile(name, hash));
            return false;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            string why = Messages.IoError(ex, _o.Language, stdin ? null : input);
            _stderr.WriteLine(Ja ? $"segverify: キャプチャ {name} を読めません: {why}" : $"segverify: cannot read the capture {name}: {why}");
            return false;
        }
        catch (CaptureFilterException ex)
        {
            // The expression does not apply to this capture's link type (e.g. 'ether host' on raw IP): tcpdump refuses
            // such a capture, and so does the run (the records read before are still judged).
            _stderr.WriteLine(Ja
                ? $"segverify: {name}: フィルタ式 '{ex.Expression}' をこのキャプチャのリンク種別に適用できません: {ex.Detail}"
                : $"segverify: {name}: filter expression '{ex.Expression}' does not apply to this capture's link type: {ex.Detail}");
            return false;
        }
        finally
        {
            hashing?.Dispose();
            _o.Progress?.Close();
        }
    }

    private static FileStream OpenFile(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);

    private static Finding DamageFinding(CaptureDamage d) => FindingFactory.CaptureDamaged(d.File, d.Offset, d.Reason);

    /// <summary>Ends the input early when the run is cancelled (the records read so far are still judged).</summary>
    private sealed class CancellableReader(ICaptureReader inner, CancellationToken cancel) : ICaptureReader
    {
        public string Name => inner.Name;
        public CaptureDamage? Damage => inner.Damage;
        public bool TryRead(out CaptureRecord record)
        {
            if (cancel.IsCancellationRequested)
            {
                record = default;
                return false;
            }
            return inner.TryRead(out record);
        }
        public void Dispose() { }
    }
}
