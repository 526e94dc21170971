#!/usr/bin/env python3
"""Writes benchmarks/RESULTS.md from the timing files compare.sh leaves in benchmarks/out/.

usage: report.py OUT_DIR CAPTURE RUNS CORE [NOTES...]
Reads OUT_DIR/times-ROW.txt (one "wall maxrss_kb user sys" line per run), CAPTURE.json (the generator's sidecar),
OUT_DIR/replay-main.jsonl (segverify's output on CAPTURE) and OUT_DIR/flowmem.txt (SegVerify.Benchmarks --flow-memory).
"""
import datetime
import glob
import json
import os
import platform
import statistics
import subprocess
import sys

out, capture, runs, core = sys.argv[1:5]
notes = " ".join(sys.argv[5:]).strip()

ORDER = [
    ("records-floor", "`recwalk FILE` (read() 1 MiB at a time + walk the record headers)"),
    ("segverify-replay", "`segverify replay FILE --topology topologies/sample-city.yaml --format jsonl --output OUT` (Native AOT build; the capture's SHA-256 on a second thread)"),
    ("segverify-replay-nohash", "same with `--no-capture-hash`"),
    ("segverify-replay-2cores", "same as segverify-replay, **not pinned** (2 cores: the SHA-256 thread runs beside the analysis)"),
    ("segverify-replay-nohash-2cores", "`--no-capture-hash`, not pinned, `--threads 1`"),
    ("segverify-replay-threads2", "`--no-capture-hash --threads 2`, not pinned"),
    ("segverify-replay-jit", "segverify-replay with the framework-dependent JIT build (`dotnet publish` without `-r`)"),
    ("startup-tiny", "`segverify replay` of a 100-packet capture (start-up cost), Native AOT"),
    ("startup-tiny-jit", "same, JIT build"),
    ("tcpdump-bpf", "`tcpdump -r FILE -w /dev/null '<cross-zone BPF>'`"),
    ("tcpdump-nofilter", "`tcpdump -r FILE -w /dev/null`"),
    ("argus", "`argus -r FILE -w OUT`"),
    ("naive-dotnet", "`SegVerify.NaiveBaseline FILE` (SharpPcap + PacketDotNet + Dictionary + linear CIDR scan)"),
    ("tshark-conv-10pct", "`tshark -n -q -r SLICE -z conv,ip` on the first 10 % of the packets"),
    ("segverify-replay-2x", "`segverify replay` of the 2x capture (twice the packets, same concurrent flows)"),
]


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except Exception:
        return "?"


wall, rss, cpu, raw = {}, {}, {}, {}
for path in glob.glob(os.path.join(out, "times-*.txt")):
    name = os.path.basename(path)[len("times-"):-len(".txt")]
    rows = [l.split() for l in open(path) if len(l.split()) == 4]
    if not rows:
        continue
    raw[name] = [float(r[0]) for r in rows]
    wall[name] = statistics.median(float(r[0]) for r in rows)
    rss[name] = statistics.median(float(r[1]) for r in rows)
    cpu[name] = statistics.median(float(r[2]) + float(r[3]) for r in rows)

side = json.load(open(capture + ".json"))
packets = side["packets"]
size = os.path.getsize(capture)
big = os.path.join(out, "city-2x.pcap.json")
big_packets = json.load(open(big))["packets"] if os.path.exists(big) else None

sanity = "not checked (no replay output)"
replay_out = os.path.join(out, "replay-main.jsonl")
if os.path.exists(replay_out):
    lines = open(replay_out).read().strip().splitlines()
    summary = json.loads(lines[-1]) if lines else {}
    ok = summary.get("by_rule") == side["expected_by_rule"] and summary.get("flows") == side["flows"]["total"]
    sanity = (("match" if ok else "**MISMATCH**")
              + f": segverify reported flows {summary.get('flows')}, by_rule {json.dumps(summary.get('by_rule'))};"
              + f" the generator wrote {side['flows']['total']} flows and planted {json.dumps(side['expected_by_rule'])}")

# The other replay rows must report exactly what the default row reports (--no-capture-hash, --threads, 2 cores).
for other in ("replay-nohash.jsonl", "replay-2cores.jsonl", "replay-threads2.jsonl"):
    path = os.path.join(out, other)
    if os.path.exists(path) and os.path.exists(replay_out):
        a = json.loads(open(replay_out).read().strip().splitlines()[-1])
        b = json.loads(open(path).read().strip().splitlines()[-1])
        keys = ("packets", "bytes", "flows", "violations", "warnings", "by_rule", "undecoded")
        same = all(a.get(k) == b.get(k) for k in keys)
        sanity += f"; {other}: {'same summary counts' if same else '**DIFFERENT summary counts**'}"

p = print
p("# SegVerify throughput results\n")
p(f"Written by `benchmarks/compare.sh` (how to run it and what each row means: docs/benchmarks.md). Medians of {runs} "
  f"runs per row, rows run round-robin, each pinned to one core (`taskset -c {core}`) unless the row says 'not pinned', warm page cache; wall time and "
  "peak RSS from GNU time (`/usr/bin/time -f '%e %M %U %S'`). CPU = user + system time.\n")
p("| machine | |\n|---|---|")
CPU_MODEL = sh("lscpu | sed -n 's/^Model name: *//p'")
RAM = sh("free -g | awk '/Mem:/ {print $2}'")
LOAD = sh("cut -d' ' -f1-3 /proc/loadavg")
p(f"| CPU | {CPU_MODEL} |")
p(f"| cores | {sh('nproc')} |")
p(f"| RAM | {RAM} GiB |")
p(f"| kernel | {platform.release()} |")
p(f"| .NET SDK | {sh('dotnet --version')} |")
p(f"| date | {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')} |")
p(f"| load average when written | {LOAD} |\n")
p(f"Capture: `{capture}`, {packets:,} packets, {size:,} bytes, {side['flows']['total']:,} flows "
  f"({side['concurrent_flows']:,} concurrent), seed {side['seed']}.\n")
p("| row | command | wall s (median) | CPU s (median) | packets/s (wall) | peak RSS MB | wall of each run |")
p("|---|---|---:|---:|---:|---:|---|")
for name, desc in ORDER:
    if name not in wall:
        continue
    n = packets
    if name == "tshark-conv-10pct":
        n = packets // 10
    elif name.startswith("startup"):
        n = None
    elif name == "segverify-replay-2x":
        n = big_packets
    pps = f"{n / wall[name]:,.0f}" if n and wall[name] > 0 else ""
    p(f"| {name} | {desc} | {wall[name]:.2f} | {cpu[name]:.2f} | {pps} | {rss[name] / 1024:.0f} | "
      f"{' '.join(f'{x:.2f}' for x in raw[name])} |")
p()

p("## Targets\n")
p("| target | measured | met (wall) |\n|---|---|---|")


def target(name, value, ok):
    p(f"| {name} | {value} | {'yes' if ok else '**no**'} |")


VARIANTS = [
    ("segverify-replay", "default output (SHA-256 of the capture), one core"),
    ("segverify-replay-nohash", "`--no-capture-hash`, one core"),
    ("segverify-replay-2cores", "default output, two cores (hash thread beside the analysis)"),
]
for row_name, label in VARIANTS:
    r, c = wall.get(row_name), cpu.get(row_name)
    if not r:
        continue
    if "tcpdump-bpf" in wall:
        target(f"replay <= 0.5x tcpdump with the cross-zone BPF — {label}",
               f"{r / wall['tcpdump-bpf']:.2f}x wall, {c / cpu['tcpdump-bpf']:.2f}x CPU", r <= 0.5 * wall["tcpdump-bpf"])
    if "records-floor" in wall:
        target(f"replay within 3x of the records-only floor — {label}",
               f"{r / wall['records-floor']:.1f}x wall, {c / max(cpu['records-floor'], 0.01):.1f}x CPU",
               r <= 3 * wall["records-floor"])
    if "naive-dotnet" in wall:
        target(f">= 6x faster than the naive baseline — {label}",
               f"{wall['naive-dotnet'] / r:.1f}x wall, {cpu['naive-dotnet'] / c:.1f}x CPU", wall["naive-dotnet"] >= 6 * r)
if "segverify-replay" in rss:
    target("peak memory <= 300 MB", f"{rss['segverify-replay'] / 1024:.0f} MB", rss["segverify-replay"] <= 300 * 1024)
    if "segverify-replay-2x" in rss:
        g = rss["segverify-replay-2x"] / rss["segverify-replay"]
        target("peak memory flat as the capture grows (2x packets, same concurrent flows)",
               f"{rss['segverify-replay'] / 1024:.0f} MB -> {rss['segverify-replay-2x'] / 1024:.0f} MB ({g:.2f}x)", g <= 1.15)
if "segverify-replay-threads2" in wall and "segverify-replay-nohash-2cores" in wall:
    t1, t2 = wall["segverify-replay-nohash-2cores"], wall["segverify-replay-threads2"]
    p()
    p(f"`--threads` scaling (not pinned, `--no-capture-hash`): 1 thread {t1:.2f} s, 2 threads {t2:.2f} s wall "
      f"({t1 / t2:.2f}x); CPU {cpu['segverify-replay-nohash-2cores']:.2f} s and {cpu['segverify-replay-threads2']:.2f} s.")
p()
p(f"Sanity (segverify's summary against the generator's sidecar): {sanity}\n")

fm_path = os.path.join(out, "flowmem.txt")
if os.path.exists(fm_path):
    toks = open(fm_path).read().split()
    kv = dict(zip(toks[0::2], toks[1::2]))
    if "bytes_per_flow" in kv:
        p(f"Memory per live flow (`SegVerify.Benchmarks --flow-memory 1000000`: one million distinct TCP flows held "
          f"open in a Verifier): {float(kv['bytes_per_flow']):.0f} bytes of managed heap per live flow "
          f"(`FlowEntry` is {kv['sizeof_FlowEntry']} B, plus hash buckets and growth slack); one million live flows "
          f"cost {int(kv['managed_bytes']) / 1e6:.0f} MB managed, {int(kv['rss_growth_bytes']) / 1e6:.0f} MB of RSS "
          "growth (the table doubles while growing).\n")
if notes:
    p(f"Notes: {notes}\n")

# Hand-written parts, kept beside this script: the analysis of where replay's time goes (BenchmarkDotNet figures,
# profiles) and the monitor soak figures (benchmarks/soak.sh).
for part in ("results-analysis.md", "results-monitor.md"):
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), part)
    if os.path.exists(path):
        p(open(path).read())
