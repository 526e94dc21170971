using System.Diagnostics;
using System.Text;
using SegVerify.Core.Output;
using SegVerify.Core.Replay;

namespace SegVerify.Cli.Progress;

/// <summary>
/// Draws <see cref="ProgressLine"/> on standard error a few times a second (one line, redrawn in place with a
/// carriage return and erase-to-end-of-line), from a timer thread. Text written through a <see cref="Wrap"/>ped
/// writer (messages on standard error) or sink (findings on the same terminal) first erases the line, so the two never
/// mix on one line; the line is drawn again on the next tick. <see cref="Dispose"/> erases it for good.
/// </summary>
public sealed class ProgressDisplay : IDisposable
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(250);
    private const string Erase = "\r\u001b[K";

    private readonly ReplayProgress _progress;
    private readonly TextWriter _stderr;
    private readonly string _lang;
    private readonly Func<int> _width;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private readonly Timer _timer;
    private bool _shown, _disposed;

    public ProgressDisplay(ReplayProgress progress, TextWriter stderr, string lang, Func<int>? width = null, TimeSpan? interval = null)
    {
        _progress = progress;
        _stderr = stderr;
        _lang = lang;
        _width = width ?? TerminalWidth;
        var every = interval ?? DefaultInterval;
        _timer = new Timer(_ => Draw(), null, every, every);
    }

    /// <summary>Draws the line now (also what the timer does).</summary>
    public void Draw()
    {
        lock (_gate)
        {
            if (_disposed) return;
            var s = new ProgressSnapshot(_progress.BytesRead, _progress.TotalBytes, _progress.PacketsRead, _clock.Elapsed.TotalSeconds,
                _progress.CaptureIndex, _progress.CaptureCount, _progress.Capture, _progress.Finished);
            if (s.CaptureCount == 0) return; // not started
            try
            {
                _stderr.Write("\r" + ProgressLine.Format(in s, _lang, _width()) + "\u001b[K");
                _stderr.Flush();
                _shown = true;
            }
            catch (IOException) { } // the terminal went away: progress is not worth failing the run for
        }
    }

    /// <summary>A writer whose every write first erases the progress line (under the same lock as the drawing).</summary>
    public TextWriter Wrap(TextWriter inner) => new ErasingWriter(this, inner);

    /// <summary>A sink whose every call first erases the progress line (for findings written to the same terminal).</summary>
    public IFindingSink WrapSink(IFindingSink inner) => new ErasingSink(this, inner);

    private void EraseLine()
    {
        if (!_shown) return;
        try { _stderr.Write(Erase); _stderr.Flush(); } catch (IOException) { }
        _shown = false;
    }

    public void Dispose()
    {
        _timer.Dispose();
        lock (_gate)
        {
            EraseLine();
            _disposed = true;
        }
    }

    /// <summary>The terminal's columns; else COLUMNS; else 80.</summary>
    private static int TerminalWidth()
    {
        int w = 0;
        try { w = Console.WindowWidth; }
        catch (IOException) { }
        catch (PlatformNotSupportedException) { }
        if (w <= 0 && !int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out w)) w = 0;
        return w > 0 ? w : 80;
    }

    private sealed class ErasingWriter(ProgressDisplay display, TextWriter inner) : TextWriter
    {
        public override Encoding Encoding => inner.Encoding;
        public override IFormatProvider FormatProvider => inner.FormatProvider;
        [System.Diagnostics.CodeAnalysis.AllowNull]
        public override string NewLine { get => inner.NewLine; set => inner.NewLine = value; }

        private void Do<T>(T arg, Action<TextWriter, T> write)
        {
            lock (display._gate)
            {
                display.EraseLine();
                write(inner, arg);
            }
        }

        public override void Write(char value) => Do(value, static (w, v) => w.Write(v));
        public override void Write(string? value) => Do(value, static (w, v) => w.Write(v));
        public override void Write(char[] buffer, int index, int count) => Do((buffer, index, count), static (w, v) => w.Write(v.buffer, v.index, v.count));
        public override void Write(ReadOnlySpan<char> buffer) => Do(buffer.ToString(), static (w, v) => w.Write(v));
        public override void WriteLine() => Do(0, static (w, _) => w.WriteLine());
        public override void WriteLine(string? value) => Do(value, static (w, v) => w.WriteLine(v));
        public override void WriteLine(ReadOnlySpan<char> buffer) => Do(buffer.ToString(), static (w, v) => w.WriteLine(v));
        public override void Flush() => Do(0, static (w, _) => w.Flush());
    }

    private sealed class ErasingSink(ProgressDisplay display, IFindingSink inner) : IFindingSink
    {
        public void Begin(RunInfo info) => inner.Begin(info);
        public void OnFinding(Finding finding)
        {
            lock (display._gate)
            {
                display.EraseLine();
                inner.OnFinding(finding);
            }
        }
        public void OnFlow(FlowEvent flow)
        {
            lock (display._gate)
            {
                display.EraseLine();
                inner.OnFlow(flow);
            }
        }
        public void OnProbe(ProbeResult probe) => inner.OnProbe(probe);
        public void End(RunSummary summary)
        {
            lock (display._gate)
            {
                display.EraseLine();
                display._disposed = true; // the summary is the last output: no line after it
                inner.End(summary);
            }
        }
        public void Dispose() => inner.Dispose();
    }
}
