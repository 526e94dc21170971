namespace SegVerify.Core.Output;

/// <summary>
/// An output stream whose write errors become <see cref="OutputWriteException"/> naming the output: a full disk or
/// /dev/full is exit status 2 with that name, a closed pipe (EPIPE) stops the run at once.
/// </summary>
public sealed class GuardedStream(Stream inner, string target, string language) : Stream
{
    private const int EPIPE = 32;

    /// <summary>The stream written to.</summary>
    public Stream Inner => inner;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        try { inner.Write(buffer); }
        catch (IOException ex) { throw Wrap(ex); }
    }

    public override void Flush()
    {
        try { inner.Flush(); }
        catch (IOException ex) { throw Wrap(ex); }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            try { inner.Dispose(); }
            catch (IOException ex) { throw Wrap(ex); }
        }
        base.Dispose(disposing);
    }

    private OutputWriteException Wrap(IOException ex)
    {
        bool pipe = (ex.HResult & 0xFFFF) == EPIPE || ex.Message.Contains("Broken pipe", StringComparison.OrdinalIgnoreCase);
        bool ja = language == "ja";
        string msg = pipe
            ? (ja ? $"{target} の読み手が終了しました（パイプが閉じられました）。処理を中止します" : $"the reader of {target} went away (closed pipe); stopping")
            : (ja ? $"出力 {target} に書き込めません: {Localization.Messages.IoError(ex, language, target)}"
                  : $"cannot write the output {target}: {Localization.Messages.IoError(ex, language, target)}");
        return new OutputWriteException(target, pipe, msg, ex);
    }
}
