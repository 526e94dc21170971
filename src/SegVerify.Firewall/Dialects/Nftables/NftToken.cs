using SegVerify.Firewall.Model;

namespace SegVerify.Firewall.Dialects.Nftables;

/// <summary>A word of nft text with where it is written (an included file keeps its own name).</summary>
internal readonly record struct NTok(string Text, string File, int Line, int Col, bool Quoted = false)
{
    public bool Is(string s) => !Quoted && Text == s;
    public ConfigPos Pos => new(File, Line, Col);
    public bool IsNewline => !Quoted && Text == "\n";
    public override string ToString() => Quoted ? $"\"{Text}\"" : Text;
}
