using SegVerify.Core.Localization;
using SegVerify.Core.Topology;

namespace SegVerify.Cli.Commands;

/// <summary>Loads the topology for a command, printing every error as file:line:col to stderr (exit status 2).</summary>
public static class TopologyArgs
{
    public static Topology? TryLoad(string path, TextWriter stderr, string lang)
    {
        try
        {
            return TopologyLoader.Load(path, lang);
        }
        catch (TopologyException ex)
        {
            foreach (var e in ex.Errors) stderr.WriteLine(e.ToString());
            stderr.WriteLine(lang == "ja"
                ? $"segverify: トポロジー {path} を読み込めません（{ex.Errors.Count} 件のエラー）"
                : $"segverify: topology {path} cannot be loaded ({ex.Errors.Count} error(s))");
            return null;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException)
        {
            stderr.WriteLine(lang == "ja"
                ? $"segverify: トポロジー {path} を読み込めません: {Messages.IoError(ex, lang, path)}"
                : $"segverify: cannot read topology {path}: {Messages.IoError(ex, lang, path)}");
            return null;
        }
    }
}
