using System.CommandLine;
using SegVerify.Core.Engine;
using SegVerify.Core.Replay;

namespace SegVerify.Cli.Commands;

/// <summary><c>segverify replay CAPTURE... --topology FILE</c>: judge every flow of pcap/pcapng captures.</summary>
public static class ReplayCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var captures = new Argument<string[]>("capture")
        {
            Description = "pcap or pcapng files, directories (every capture in them), or - for standard input",
            Arity = ArgumentArity.OneOrMore,
        };
        var topology = new Option<string>("--topology", "-t") { Description = "Topology file (YAML, format v1)", Required = true };
        var flows = new Option<bool>("--flows") { Description = "Also write one \"flow\" event per flow" };
        var maxFlows = new Option<int>("--max-flows") { Description = "Cap on live flows (oldest evicted and judged)", DefaultValueFactory = _ => 1_000_000 };
        var tcpIdle = new Option<double>("--tcp-idle-timeout") { Description = "Seconds of silence that end a TCP flow", DefaultValueFactory = _ => 300 };
        var udpIdle = new Option<double>("--idle-timeout") { Description = "Seconds of silence that end a UDP/ICMP/other flow", DefaultValueFactory = _ => 60 };
        var noHash = new Option<bool>("--no-capture-hash")
        {
            Description = "Do not compute the captures' SHA-256 (the summary then has \"sha256\": null); for throughput runs on captures whose hashes are already on record",
        };
        var threads = new Option<int>("--threads")
        {
            Description = "Analysis threads: flows are spread over N threads by a symmetric hash of their addresses (1 = single-threaded, 0 = one per processor)",
            DefaultValueFactory = _ => 1,
        };
        var common = new CommonOptions();

        var cmd = new Command("replay", "Read pcap/pcapng captures and judge every flow against the topology")
        {
            captures, topology, flows, maxFlows, tcpIdle, udpIdle, noHash, threads,
        };
        common.AddTo(cmd);
        cmd.SetAction(pr =>
        {
            string lang = CommonOptions.ResolveLanguage(pr.GetValue(common.Lang));
            string? output = pr.GetValue(common.Output);
            string format = CommonOptions.ResolveFormat(pr.GetValue(common.Format), output);
            int threadCount = pr.GetValue(threads);
            if (threadCount == 0) threadCount = Math.Min(Environment.ProcessorCount, ParallelVerifier.MaxShards);
            if (threadCount is < 1 or > ParallelVerifier.MaxShards)
            {
                stderr.WriteLine(lang == "ja"
                    ? $"segverify: --threads は 0 から {ParallelVerifier.MaxShards} で指定してください (0 はプロセッサ数): {pr.GetValue(threads)}"
                    : $"segverify: --threads must be 0 to {ParallelVerifier.MaxShards} (0 = one per processor): {pr.GetValue(threads)}");
                return ExitCodes.Usage;
            }
            var topo = TopologyArgs.TryLoad(pr.GetValue(topology)!, stderr, lang);
            if (topo is null) return ExitCodes.Usage;
            var session = new ReplaySession(new ReplayOptions
            {
                Captures = pr.GetValue(captures)!,
                HashCaptures = !pr.GetValue(noHash),
                Threads = threadCount,
                Verifier = new VerifierOptions
                {
                    EmitFlows = pr.GetValue(flows),
                    MaxFlows = pr.GetValue(maxFlows),
                    TcpIdleTimeoutNs = (long)(pr.GetValue(tcpIdle) * 1e9),
                    UdpIdleTimeoutNs = (long)(pr.GetValue(udpIdle) * 1e9),
                    Language = lang,
                },
            }, topo, stderr);
            return (int)session.Run(() => SinkFactory.Create(format, output, stdout, lang, topo.AllRules.Select(r => r.Name).ToList(), topo));
        });
        return cmd;
    }
}
