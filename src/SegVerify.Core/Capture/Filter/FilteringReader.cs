namespace SegVerify.Core.Capture.Filter;

/// <summary>
/// Passes on the records of <paramref name="inner"/> that match <paramref name="filter"/>, counting the others. It does
/// not own <paramref name="inner"/> (whoever opened it disposes it).
/// </summary>
public sealed class FilteringReader(ICaptureReader inner, CaptureFilter filter) : ICaptureReader
{
    /// <summary>Records read that did not match.</summary>
    public long NotMatched { get; private set; }

    public string Name => inner.Name;
    public CaptureDamage? Damage => inner.Damage;

    public bool TryRead(out CaptureRecord record)
    {
        while (inner.TryRead(out record))
        {
            if (filter.Matches(in record)) return true;
            NotMatched++;
        }
        return false;
    }

    public void Dispose() { }
}
