#!/usr/bin/env bash
# Whole-process comparison: segverify replay against tcpdump, argus, tshark, a naive .NET baseline and the
# records-only floor, on one core with a warm page cache. Writes benchmarks/RESULTS.md.
#
#   benchmarks/compare.sh [--runs N] [--no-install] [--skip-big] [--quick]
#
#   --runs N       timed runs per row (median reported; default 3, minimum 3 except with --quick)
#   --no-install   do not apt-get the missing tools; their rows are skipped with a note
#   --skip-big     skip the second, twice-as-large capture (memory flatness)
#   --quick        a CI-sized run: 200k packets / 100 MB capture, 1 run per row
# Environment: CORE (default 0) is the CPU the runs are pinned to.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=benchmarks/out
RUNS=3
INSTALL=1
BIG=1
QUICK=0
CORE=${CORE:-0}
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift ;;
    --no-install) INSTALL=0 ;;
    --skip-big) BIG=0 ;;
    --quick) QUICK=1; RUNS=1; BIG=0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
mkdir -p "$OUT"
TOPO=topologies/sample-city.yaml
if [ "$QUICK" = 1 ]; then
  CAP=$OUT/city-quick.pcap; GEN_ARGS=(--packets 200000 --bytes 100M)
else
  CAP=$OUT/city.pcap; GEN_ARGS=()
fi
BIGCAP=$OUT/city-2x.pcap
NOTES=()
note() { NOTES+=("$*"); echo "note: $*" >&2; }

# ---------------------------------------------------------------- tools
need_pkg() { # command package
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$INSTALL" = 1 ] && [ "$(id -u)" = 0 ]; then
    echo "installing $2 for $1" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null 2>&1; } || true
  fi
  command -v "$1" >/dev/null 2>&1 || { note "$1 missing (Debian package $2): its row is skipped"; return 1; }
}
HAVE_TCPDUMP=0; HAVE_ARGUS=0; HAVE_TSHARK=0; HAVE_EDITCAP=0
need_pkg tcpdump tcpdump && HAVE_TCPDUMP=1
need_pkg argus argus-server && HAVE_ARGUS=1 || { need_pkg argus argus-client && HAVE_ARGUS=1; } || true
need_pkg tshark tshark && HAVE_TSHARK=1
need_pkg editcap wireshark-common && HAVE_EDITCAP=1
[ -x /usr/bin/time ] || need_pkg /usr/bin/time time || { echo "GNU time (/usr/bin/time) is required" >&2; exit 2; }
PIN=()
if command -v taskset >/dev/null 2>&1; then PIN=(taskset -c "$CORE"); else note "taskset missing: runs are not pinned"; fi

# ---------------------------------------------------------------- builds
echo "building generator, naive baseline, floor and segverify" >&2
dotnet build benchmarks/SegVerify.TrafficGen -c Release -v q -nologo >/dev/null
dotnet build benchmarks/SegVerify.NaiveBaseline -c Release -v q -nologo >/dev/null
gcc -O2 -o "$OUT/recwalk" benchmarks/floor/recwalk.c
dotnet publish src/SegVerify.Cli -c Release -o "$OUT/bin" -v q -nologo >/dev/null
R2R=0
if dotnet publish src/SegVerify.Cli -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
     -o "$OUT/bin-r2r" -v q -nologo >/dev/null 2>&1; then R2R=1; else note "ReadyToRun publish failed (needs the linux-x64 runtime pack from NuGet): R2R rows skipped"; fi
GEN="dotnet benchmarks/SegVerify.TrafficGen/bin/Release/net10.0/SegVerify.TrafficGen.dll"
NAIVE="dotnet benchmarks/SegVerify.NaiveBaseline/bin/Release/net10.0/SegVerify.NaiveBaseline.dll"

[ -f "$CAP" ] && [ -f "$CAP.json" ] || $GEN "${GEN_ARGS[@]}" --out "$CAP" >&2
if [ "$BIG" = 1 ]; then [ -f "$BIGCAP" ] && [ -f "$BIGCAP.json" ] || $GEN --packets 4000000 --bytes 2G --out "$BIGCAP" >&2; fi
TINY=$OUT/tiny.pcap
[ -f "$TINY" ] || $GEN --packets 100 --bytes 0 --flows 10 --out "$TINY" >/dev/null

PACKETS=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['packets'])" "$CAP.json")
warm() { cat "$@" >/dev/null; }
warm "$CAP"

# ---------------------------------------------------------------- timing
# measure NAME CMD...: RUNS pinned runs under GNU time; records median wall, median peak RSS (KB), median CPU.
declare -A WALL RSS CPU
median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print "nan"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
measure() {
  local name=$1; shift
  local walls=() rsss=() cpus=() i
  for ((i = 0; i < RUNS; i++)); do
    /usr/bin/time -f "%e %M %U %S" -o "$OUT/time.txt" "${PIN[@]}" "$@" >"$OUT/last.out" 2>"$OUT/last.err" || true
    read -r w m u s < <(tail -1 "$OUT/time.txt")
    walls+=("$w"); rsss+=("$m"); cpus+=("$(awk -v u="$u" -v s="$s" 'BEGIN{print u+s}')")
  done
  WALL[$name]=$(printf '%s\n' "${walls[@]}" | median)
  RSS[$name]=$(printf '%s\n' "${rsss[@]}" | median)
  CPU[$name]=$(printf '%s\n' "${cpus[@]}" | median)
  printf '%-28s wall %8s s  cpu %8s s  rss %8s KB  (runs: %s)\n' "$name" "${WALL[$name]}" "${CPU[$name]}" "${RSS[$name]}" "${walls[*]}" >&2
}

# A BPF filter for the cross-zone traffic of sample-city: IP packets whose two addresses are not in the same zone
# (with and without one 802.1Q tag).
Z4=(10.10.0.0/16 10.20.0.0/16 10.30.0.0/16 198.51.100.0/26 172.16.0.0/12 192.0.2.0/24)
Z6=(fd00:10::/64 fd00:20::/64 2001:db8:30::/64)
intra=""
for n in "${Z4[@]}" "${Z6[@]}"; do intra+="${intra:+ or }(src net $n and dst net $n)"; done
F="(ip or ip6) and not ($intra)"
BPF="($F) or (vlan and ($F))"

SV="$OUT/bin/segverify"
REPLAY=(replay "$CAP" --topology "$TOPO" --format jsonl --output "$OUT/replay.jsonl")
measure records-floor "$OUT/recwalk" "$CAP"
measure segverify-replay "$SV" "${REPLAY[@]}"
cp "$OUT/replay.jsonl" "$OUT/replay-main.jsonl" 2>/dev/null || true
DOTNET_TieredPGO=0 measure segverify-replay-nopgo "$SV" "${REPLAY[@]}"
DOTNET_TieredCompilation=0 measure segverify-replay-notiered "$SV" "${REPLAY[@]}"
[ "$R2R" = 1 ] && measure segverify-replay-r2r "$OUT/bin-r2r/segverify" "${REPLAY[@]}"
measure startup-tiny "$SV" replay "$TINY" --topology "$TOPO" --format jsonl --output /dev/null
[ "$R2R" = 1 ] && measure startup-tiny-r2r "$OUT/bin-r2r/segverify" replay "$TINY" --topology "$TOPO" --format jsonl --output /dev/null
[ "$HAVE_TCPDUMP" = 1 ] && measure tcpdump-bpf tcpdump -r "$CAP" -w /dev/null "$BPF"
[ "$HAVE_TCPDUMP" = 1 ] && measure tcpdump-nofilter tcpdump -r "$CAP" -w /dev/null
[ "$HAVE_ARGUS" = 1 ] && { rm -f "$OUT/argus.out"; measure argus sh -c "rm -f $OUT/argus.out; exec argus -r $CAP -w $OUT/argus.out"; }
measure naive-dotnet $NAIVE "$CAP" --topology "$TOPO"
if [ "$HAVE_TSHARK" = 1 ]; then
  SLICE=$OUT/city-10pct.pcap
  SLICE_PACKETS=$((PACKETS / 10))
  if [ ! -f "$SLICE" ]; then
    if [ "$HAVE_EDITCAP" = 1 ]; then editcap -r "$CAP" "$SLICE" "1-$SLICE_PACKETS" >/dev/null
    else tcpdump -r "$CAP" -w "$SLICE" -c "$SLICE_PACKETS" 2>/dev/null; fi
  fi
  warm "$SLICE"
  measure tshark-conv-10pct tshark -n -q -r "$SLICE" -z conv,ip
fi
if [ "$BIG" = 1 ]; then
  warm "$BIGCAP"
  BIGPACKETS=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['packets'])" "$BIGCAP.json")
  measure segverify-replay-2x "$SV" replay "$BIGCAP" --topology "$TOPO" --format jsonl --output "$OUT/replay-2x.jsonl"
fi

# ---------------------------------------------------------------- sanity: segverify's by_rule vs what was planted
SANITY=$(python3 - "$OUT/replay-main.jsonl" "$CAP.json" <<'PY'
import json, sys
summary = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
side = json.load(open(sys.argv[2]))
ok = summary.get("by_rule") == side["expected_by_rule"] and summary.get("flows") == side["flows"]["total"]
print(("match" if ok else "MISMATCH") + f": segverify flows {summary.get('flows')} by_rule {summary.get('by_rule')}; generator flows {side['flows']['total']} planted {side['expected_by_rule']}")
PY
)
echo "$SANITY" >&2

# ---------------------------------------------------------------- flow memory
FLOWMEM=$(dotnet run --project benchmarks/SegVerify.Benchmarks -c Release -- --flow-memory 1000000 2>/dev/null | tail -1 || true)

# ---------------------------------------------------------------- RESULTS.md
python3 - "$OUT" "$PACKETS" "$(stat -c %s "$CAP")" "$SANITY" "$FLOWMEM" "$RUNS" "$CORE" "${NOTES[*]:-}" <<PY > benchmarks/RESULTS.md
import sys, subprocess, datetime, platform
out, packets, size, sanity, flowmem, runs, core, notes = sys.argv[1:9]
packets = int(packets); size = int(size)
wall = {$(for k in "${!WALL[@]}"; do printf '"%s": %s, ' "$k" "${WALL[$k]}"; done)}
rss = {$(for k in "${!RSS[@]}"; do printf '"%s": %s, ' "$k" "${RSS[$k]}"; done)}
cpu = {$(for k in "${!CPU[@]}"; do printf '"%s": %s, ' "$k" "${CPU[$k]}"; done)}
def sh(c):
    try: return subprocess.run(c, shell=True, capture_output=True, text=True).stdout.strip()
    except Exception: return "?"
model = sh("lscpu | sed -n 's/^Model name: *//p'")
cores = sh("nproc")
mem = sh("free -g | awk '/Mem:/ {print \$2\" GiB\"}'")
kernel = platform.release()
dotnet = sh("dotnet --version")
print("# SegVerify throughput results\n")
print("Generated by \`benchmarks/compare.sh\` (see docs/benchmarks.md). Numbers are medians of %s pinned runs (\`taskset -c %s\`), warm page cache, GNU time for wall time and peak RSS.\n" % (runs, core))
print("| machine | |\n|---|---|")
print(f"| CPU | {model} |\n| cores | {cores} |\n| RAM | {mem} |\n| kernel | {kernel} |\n| .NET SDK | {dotnet} |\n| date | {datetime.datetime.utcnow().strftime('%Y-%m-%d %H:%M UTC')} |")
load = sh("cut -d' ' -f1-3 /proc/loadavg")
print(f"| load average at the end | {load} |\n")
print(f"Capture: \`{out}/city.pcap\`, {packets:,} packets, {size:,} bytes (generator defaults, seed 20260401).\n")
print("| row | command | wall s (median) | CPU s | packets/s (wall) | peak RSS MB |\n|---|---|---:|---:|---:|---:|")
desc = {
 "records-floor": "recwalk FILE (read() + walk record headers)",
 "segverify-replay": "segverify replay FILE --topology sample-city.yaml --format jsonl",
 "segverify-replay-nopgo": "same, DOTNET_TieredPGO=0",
 "segverify-replay-notiered": "same, DOTNET_TieredCompilation=0",
 "segverify-replay-r2r": "same, ReadyToRun publish",
 "startup-tiny": "segverify replay on a 100-packet capture (start-up)",
 "startup-tiny-r2r": "same, ReadyToRun",
 "tcpdump-bpf": "tcpdump -r FILE -w /dev/null '<cross-zone BPF>'",
 "tcpdump-nofilter": "tcpdump -r FILE -w /dev/null",
 "argus": "argus -r FILE -w OUT",
 "naive-dotnet": "SegVerify.NaiveBaseline FILE (SharpPcap + PacketDotNet + Dictionary)",
 "tshark-conv-10pct": "tshark -n -q -r SLICE -z conv,ip (first 10 % of packets)",
 "segverify-replay-2x": "segverify replay on the 2x capture (same flow count)",
}
for k in ["records-floor","segverify-replay","segverify-replay-nopgo","segverify-replay-notiered","segverify-replay-r2r","startup-tiny","startup-tiny-r2r","tcpdump-bpf","tcpdump-nofilter","argus","naive-dotnet","tshark-conv-10pct","segverify-replay-2x"]:
    if k not in wall: continue
    n = packets // 10 if k == "tshark-conv-10pct" else (None if k.startswith("startup") else packets)
    if k == "segverify-replay-2x": n = None
    pps = f"{n / wall[k]:,.0f}" if n and wall[k] > 0 else ""
    print(f"| {k} | {desc[k]} | {wall[k]:.2f} | {cpu[k]:.2f} | {pps} | {rss[k]/1024:.0f} |")
print()
r = wall.get("segverify-replay")
print("## Targets\n\n| target | measured | met |\n|---|---|---|")
def row(name, value, ok): print(f"| {name} | {value} | {'yes' if ok else '**no**'} |")
if r and "tcpdump-bpf" in wall: row("replay <= 0.5x tcpdump (BPF)", f"{r / wall['tcpdump-bpf']:.2f}x", r <= 0.5 * wall['tcpdump-bpf'])
if r and "records-floor" in wall: row("replay within 3x of the records-only floor", f"{r / wall['records-floor']:.1f}x", r <= 3 * wall['records-floor'])
if r and "naive-dotnet" in wall: row(">= 6x faster than the naive baseline", f"{wall['naive-dotnet'] / r:.1f}x", wall['naive-dotnet'] >= 6 * r)
if r: row("peak memory <= 300 MB", f"{rss['segverify-replay']/1024:.0f} MB", rss['segverify-replay'] <= 300 * 1024)
if r and "segverify-replay-2x" in rss:
    g = rss['segverify-replay-2x'] / rss['segverify-replay']
    row("memory flat as the capture grows (2x packets, same flow count)", f"{rss['segverify-replay']/1024:.0f} MB -> {rss['segverify-replay-2x']/1024:.0f} MB ({g:.2f}x)", g <= 1.15)
print()
print(f"Sanity check (segverify's summary against the generator's sidecar): {sanity}\n")
if flowmem:
    parts = dict(zip(flowmem.split()[0::2], flowmem.split()[1::2]))
    try:
        print(f"Memory per live flow (\`SegVerify.Benchmarks --flow-memory 1000000\`): {float(parts['bytes_per_flow']):.0f} bytes managed per live flow "
              f"(FlowEntry {parts['sizeof_FlowEntry']} B + hash buckets); 1 million live flows cost {int(parts['managed_bytes'])/1e6:.0f} MB managed, "
              f"{int(parts['rss_growth_bytes'])/1e6:.0f} MB of RSS growth.\n")
    except Exception:
        print(f"Flow memory: {flowmem}\n")
if notes.strip(): print(f"Notes: {notes}\n")
PY
echo "wrote benchmarks/RESULTS.md" >&2
