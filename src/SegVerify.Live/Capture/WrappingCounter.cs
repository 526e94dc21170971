namespace SegVerify.Live.Capture;

/// <summary>
/// A 64-bit running total fed with samples of a 32-bit counter that wraps (libpcap's ps_recv, ps_drop and ps_ifdrop
/// are <c>u_int</c>). Each sample adds its distance from the previous one modulo 2^32, so a wrap never loses or
/// invents counts, as long as fewer than 2^32 events happen between two samples.
/// </summary>
public struct WrappingCounter
{
    private uint _last;
    private bool _hasBaseline;

    /// <summary>The wrap-corrected total since the counter was created.</summary>
    public long Total { readonly get; private set; }

    /// <summary>Adds the increase since the previous sample (unsigned subtraction wraps modulo 2^32).</summary>
    public void Sample(uint raw)
    {
        if (_hasBaseline) Total += unchecked(raw - _last);
        else Total += raw; // libpcap counts from zero when a handle is opened
        _last = raw;
        _hasBaseline = true;
    }

    /// <summary>
    /// Forgets the previous sample: the next one counts from zero. Used when the capture handle is reopened, since a
    /// new handle starts its counters from zero again; the total is kept.
    /// </summary>
    public void Rebase()
    {
        _hasBaseline = false;
        _last = 0;
    }
}
