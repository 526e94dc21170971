using SegVerify.Core.Output;

namespace SegVerify.Core.Collect;

/// <summary>
/// Adds where a flow record came from to each finding and flow event on its way to the run's sink:
/// <c>source</c> ("netflow" or "ipfix"), <c>exporter</c> (the exporter's address), <c>observation_domain</c> (IPFIX
/// observation domain, NetFlow v9 source id, v5 engine type and id) and, for a sampled export, <c>sampling_interval</c>.
/// </summary>
public sealed class RecordContextSink(IFindingSink inner) : IFindingSink
{
    /// <summary>The exporter session whose record is being judged (set by <see cref="FlowAssembler"/>).</summary>
    public ExporterSession? Current { get; set; }

    public void Begin(RunInfo info) => inner.Begin(info);

    public void OnFinding(Finding f) => inner.OnFinding(Current is null ? f : WithContext(f, Current));

    public void OnFlow(FlowEvent f) => inner.OnFlow(Current is null ? f : WithContext(f, Current));

    /// <summary>A copy of <paramref name="f"/> with the exporter's fields first in its extra fields; a MAC a record did not carry (zero) is dropped.</summary>
    private static T WithContext<T>(T f, ExporterSession s) where T : OutputEvent
    {
        var extra = new List<KeyValuePair<string, object?>>(4 + (f.Extra?.Count ?? 0))
        {
            new("source", s.Source),
            new("exporter", s.ExporterText),
            new("observation_domain", (long)s.ObservationDomain),
        };
        if (s.SamplingInterval > 1) extra.Add(new("sampling_interval", (long)s.SamplingInterval));
        if (f.Extra is not null) extra.AddRange(f.Extra);
        return (T)((OutputEvent)f with
        {
            SrcMac = f.SrcMac is { IsZero: true } ? null : f.SrcMac,
            DstMac = f.DstMac is { IsZero: true } ? null : f.DstMac,
            Extra = extra,
        });
    }

    public void End(RunSummary summary) => inner.End(summary);

    public void Dispose() { }
}
