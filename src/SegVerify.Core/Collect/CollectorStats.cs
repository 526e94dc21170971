namespace SegVerify.Core.Collect;

/// <summary>What the collector saw, for the summary's <c>collect</c> object. Updated from one thread.</summary>
public sealed class CollectorStats
{
    public long ExportPackets;
    public long NetflowV5Packets, NetflowV9Packets, IpfixPackets;
    public long Records;
    public long Biflows;
    public long TemplatesLearned;
    public long OptionsTemplatesLearned;
    public long TemplatesWithdrawn;
    public long TemplatesExpired;
    /// <summary>Templates refused: a field list that cannot be a record, or the per-exporter limit reached.</summary>
    public long TemplateErrors;
    /// <summary>Data sets whose template is unknown (not yet received, expired, withdrawn).</summary>
    public long UnknownTemplateSets;
    /// <summary>Export packets or sets that are cut short, have impossible lengths or an unknown version.</summary>
    public long MalformedPackets;
    public long MalformedRecords;
    /// <summary>Records without addresses (e.g. options data) or of a kind not judged.</summary>
    public long RecordsWithoutFlow;
    /// <summary>Frames in the export capture that are not UDP export packets.</summary>
    public long NotExportFrames;
    /// <summary>Exporter sessions refused because the collector already tracks the maximum.</summary>
    public long ExportersRefused;
    /// <summary>Records carrying MAC addresses / a VLAN (the frame-level checks apply only to those).</summary>
    public long RecordsWithMac, RecordsWithVlan;
}
