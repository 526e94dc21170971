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
# segverify runs as the shipped Native AOT build (`dotnet publish -r RID`); rows for --no-capture-hash and for two cores
# (not pinned) show where the time goes.
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
# The JIT build (framework-dependent) and the shipped build: Native AOT, which `dotnet publish -r RID` gives
# (src/SegVerify.Cli/SegVerify.Cli.csproj). Native AOT links with a C compiler (gcc or clang).
dotnet publish src/SegVerify.Cli -c Release -o "$OUT/bin" -v q -nologo >/dev/null
RID=$(dotnet --info | sed -n 's/^ *RID: *//p' | head -1)
AOT=0
need_pkg gcc gcc || true
if dotnet publish src/SegVerify.Cli -c Release -r "$RID" -o "$OUT/bin-aot" -v q -nologo >"$OUT/aot-publish.log" 2>&1; then AOT=1
else note "Native AOT publish failed (see $OUT/aot-publish.log): the segverify rows use the JIT build"; fi
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
# Rows are registered first, then run round-robin (run 1 of every row, then run 2...) so that a change in the
# machine's load touches every row alike. Each run is pinned and timed by GNU time; per row we keep the median wall
# time, median peak RSS (KB) and median CPU time (user + system).
declare -A WALL RSS CPU
ROW_NAMES=(); ROW_CMDS=(); ROW_PINNED=()
median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print "nan"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
# row NAME COMMAND [unpinned]: rows are pinned to core $CORE unless the third argument says unpinned (all cores).
row() { ROW_NAMES+=("$1"); ROW_CMDS+=("$2"); ROW_PINNED+=("${3:-pinned}"); }
run_rows() {
  local i r name pin
  rm -f "$OUT"/times-*.txt
  for ((r = 0; r < RUNS; r++)); do
    for i in "${!ROW_NAMES[@]}"; do
      name=${ROW_NAMES[$i]}
      pin="${PIN[*]}"; [ "${ROW_PINNED[$i]}" = unpinned ] && pin=""
      eval "/usr/bin/time -f '%e %M %U %S' -o '$OUT/time.txt' $pin ${ROW_CMDS[$i]}" >"$OUT/last.out" 2>"$OUT/last.err" || true
      tail -1 "$OUT/time.txt" >>"$OUT/times-$name.txt"
    done
  done
  for name in "${ROW_NAMES[@]}"; do
    WALL[$name]=$(awk '{print $1}' "$OUT/times-$name.txt" | median)
    RSS[$name]=$(awk '{print $2}' "$OUT/times-$name.txt" | median)
    CPU[$name]=$(awk '{print $3 + $4}' "$OUT/times-$name.txt" | median)
    printf '%-32s wall %8s s  cpu %8s s  rss %8s KB  (walls: %s)\n' "$name" "${WALL[$name]}" "${CPU[$name]}" "${RSS[$name]}" \
      "$(awk '{printf "%s ", $1}' "$OUT/times-$name.txt")" >&2
  done
}

# A BPF filter for the cross-zone traffic of sample-city: IP packets whose two addresses are not in the same zone
# (with and without one 802.1Q tag).
Z4=(10.10.0.0/16 10.20.0.0/16 10.30.0.0/16 198.51.100.0/26 172.16.0.0/12 192.0.2.0/24)
Z6=(fd00:10::/64 fd00:20::/64 2001:db8:30::/64)
intra=""
for n in "${Z4[@]}" "${Z6[@]}"; do intra+="${intra:+ or }(src net $n and dst net $n)"; done
F="(ip or ip6) and not ($intra)"
BPF="($F) or (vlan and ($F))"

SVJIT="$OUT/bin/segverify"
SV=$SVJIT
[ "$AOT" = 1 ] && SV="$OUT/bin-aot/segverify"
REPLAY="replay $CAP --topology $TOPO --format jsonl --output $OUT/replay.jsonl"
NOHASH="replay $CAP --topology $TOPO --format jsonl --output $OUT/replay-nohash.jsonl --no-capture-hash"
row records-floor "$OUT/recwalk $CAP"
row segverify-replay "$SV $REPLAY"
row segverify-replay-nohash "$SV $NOHASH"
row segverify-replay-2cores "$SV replay $CAP --topology $TOPO --format jsonl --output $OUT/replay-2cores.jsonl" unpinned
[ "$AOT" = 1 ] && row segverify-replay-jit "$SVJIT $REPLAY"
row startup-tiny "$SV replay $TINY --topology $TOPO --format jsonl --output /dev/null"
[ "$AOT" = 1 ] && row startup-tiny-jit "$SVJIT replay $TINY --topology $TOPO --format jsonl --output /dev/null"
[ "$HAVE_TCPDUMP" = 1 ] && row tcpdump-bpf "tcpdump -r $CAP -w /dev/null '$BPF'"
[ "$HAVE_TCPDUMP" = 1 ] && row tcpdump-nofilter "tcpdump -r $CAP -w /dev/null"
[ "$HAVE_ARGUS" = 1 ] && row argus "sh -c 'rm -f $OUT/argus.out; exec argus -r $CAP -w $OUT/argus.out'"
row naive-dotnet "$NAIVE $CAP --topology $TOPO"
if [ "$HAVE_TSHARK" = 1 ]; then
  SLICE=$OUT/city-10pct.pcap
  [ "$QUICK" = 1 ] && SLICE=$OUT/city-quick-10pct.pcap
  SLICE_PACKETS=$((PACKETS / 10))
  if [ ! -f "$SLICE" ]; then
    if [ "$HAVE_EDITCAP" = 1 ]; then editcap -r "$CAP" "$SLICE" "1-$SLICE_PACKETS" >/dev/null
    else tcpdump -r "$CAP" -w "$SLICE" -c "$SLICE_PACKETS" 2>/dev/null; fi
  fi
  warm "$SLICE"
  row tshark-conv-10pct "tshark -n -q -r $SLICE -z conv,ip"
fi
if [ "$BIG" = 1 ]; then
  warm "$BIGCAP"
  row segverify-replay-2x "$SV replay $BIGCAP --topology $TOPO --format jsonl --output $OUT/replay-2x.jsonl"
fi
run_rows
cp "$OUT/replay.jsonl" "$OUT/replay-main.jsonl"

# ---------------------------------------------------------------- flow memory and RESULTS.md
dotnet run --project benchmarks/SegVerify.Benchmarks -c Release -- --flow-memory 1000000 >"$OUT/flowmem.txt" 2>/dev/null || true
python3 benchmarks/report.py "$OUT" "$CAP" "$RUNS" "$CORE" "${NOTES[@]}" > benchmarks/RESULTS.md
grep -E "^Sanity" benchmarks/RESULTS.md >&2 || true
echo "wrote benchmarks/RESULTS.md" >&2
