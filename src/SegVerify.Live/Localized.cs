namespace SegVerify.Live;

/// <summary>Picks the Japanese or English text of a user-facing message.</summary>
internal static class Localized
{
    public static string Pick(string lang, string ja, string en) => lang == "ja" ? ja : en;
}
