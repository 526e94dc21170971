using System.Diagnostics;

namespace SegVerify.Tests.Common;

/// <summary>
/// A deterministic mutation fuzzer for parsers (an in-repo stand-in for SharpFuzz/AFL, which need an instrumented
/// build and a native fuzzer): seeded byte flips, insertions, deletions, duplicated and truncated spans and
/// "interesting" values, applied to seed inputs for a bounded time. Every input that makes the target throw an
/// exception the target does not document is reported with its seed and iteration, so it can be replayed and turned
/// into a regression test. SEGVERIFY_FUZZ_SECONDS sets the time per target (default 4 s; CI's bounded run).
/// </summary>
public static class MutationFuzzer
{
    public static TimeSpan Budget =>
        TimeSpan.FromSeconds(double.TryParse(Environment.GetEnvironmentVariable("SEGVERIFY_FUZZ_SECONDS"), out var s) && s > 0 ? s : 4);

    private static readonly byte[] Interesting = [0x00, 0x01, 0x7f, 0x80, 0xff, (byte)'\n', (byte)'\t', (byte)'[', (byte)'{', (byte)'&', (byte)'*', (byte)':', (byte)'"', (byte)'-', (byte)'/', (byte)'.'];

    /// <summary>One mutation of <paramref name="seed"/> (1 to 8 edits).</summary>
    public static byte[] Mutate(byte[] seed, Random rnd)
    {
        var b = new List<byte>(seed);
        int edits = 1 + rnd.Next(8);
        for (int e = 0; e < edits; e++)
        {
            int pos = b.Count == 0 ? 0 : rnd.Next(b.Count);
            switch (rnd.Next(7))
            {
                case 0 when b.Count > 0: b[pos] ^= (byte)(1 << rnd.Next(8)); break;
                case 1 when b.Count > 0: b[pos] = Interesting[rnd.Next(Interesting.Length)]; break;
                case 2: b.Insert(pos, Interesting[rnd.Next(Interesting.Length)]); break;
                case 3 when b.Count > 0: b.RemoveRange(pos, Math.Min(b.Count - pos, 1 + rnd.Next(16))); break;
                case 4 when b.Count > 0:
                {
                    int len = Math.Min(b.Count - pos, 1 + rnd.Next(64));
                    b.InsertRange(rnd.Next(b.Count), b.GetRange(pos, len));
                    break;
                }
                case 5 when b.Count > 4:
                {
                    // A 32-bit field set to an extreme (lengths, counts, offsets in binary formats).
                    int at = rnd.Next(b.Count - 4);
                    uint v = rnd.Next(4) switch { 0 => 0, 1 => 0xFFFFFFFF, 2 => 0x7FFFFFFF, _ => (uint)rnd.Next() };
                    for (int i = 0; i < 4; i++) b[at + i] = (byte)(v >> (8 * i));
                    break;
                }
                default:
                    if (b.Count > 0) b.RemoveRange(pos, b.Count - pos); // truncate
                    break;
            }
        }
        return b.ToArray();
    }

    /// <summary>
    /// Runs <paramref name="target"/> on mutations of the seeds for <see cref="Budget"/>. Returns the failures (at most
    /// 5): the iteration, the exception and the input. <paramref name="expected"/> says which exceptions are the
    /// target's documented way to reject input.
    /// </summary>
    public static List<(int Iteration, Exception Error, byte[] Input)> Run(IReadOnlyList<byte[]> seeds, int rngSeed, Action<byte[]> target, Func<Exception, bool> expected, out int iterations)
    {
        var rnd = new Random(rngSeed);
        var failures = new List<(int, Exception, byte[])>();
        var sw = Stopwatch.StartNew();
        iterations = 0;
        while (sw.Elapsed < Budget && failures.Count < 5)
        {
            var input = Mutate(seeds[rnd.Next(seeds.Count)], rnd);
            iterations++;
            try { target(input); }
            catch (Exception ex) when (!expected(ex)) { failures.Add((iterations, ex, input)); }
            catch (Exception) { }
        }
        return failures;
    }

    /// <summary>The failures as text, with the first lines of the stack, for a test's message.</summary>
    public static string Describe(IEnumerable<(int Iteration, Exception Error, byte[] Input)> failures, int rngSeed) =>
        string.Join("\n\n", failures.Select(f =>
            $"seed {rngSeed}, iteration {f.Iteration}: {f.Error.GetType().Name}: {f.Error.Message}\n" +
            string.Join("\n", (f.Error.StackTrace ?? "").Split('\n').Take(6)) +
            $"\ninput (base64): {Convert.ToBase64String(f.Input.Length > 4096 ? f.Input[..4096] : f.Input)}"));
}
