namespace SegVerify.Core.Flows;

/// <summary>
/// Counters the flow tracker keeps (read by monitor's statistics and /metrics from other threads, and by the summary).
/// </summary>
public class FlowCounters
{
    /// <summary>Flows opened.</summary>
    public long Flows;
    /// <summary>Flows in the table now.</summary>
    public long LiveFlows;
    /// <summary>Flows judged early because the table was full (--max-flows).</summary>
    public long Evicted;
    /// <summary>Packets counted in a flow (the rest are in undecoded or non_ip).</summary>
    public long FlowPackets;
    /// <summary>Later IP fragments whose first fragment never came within 30 s (the summary's <c>orphan-fragment</c>).</summary>
    public long OrphanFragments;
}
