namespace SegVerify.Firewall.Model;

/// <summary>Where something is written in a firewall configuration (1-based line and column).</summary>
public readonly record struct ConfigPos(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}";
    public string Full => $"{File}:{Line}:{Column}";
}
