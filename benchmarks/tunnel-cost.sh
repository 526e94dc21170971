#!/usr/bin/env bash
# Side-by-side replay timings for two builds (e.g. before and after a change) and the cost of tunnelled traffic.
# Rows, run round-robin RUNS times each, pinned to one core (taskset -c CORE), warm page cache, GNU time:
#   old-bench / new-bench : `replay BENCH --no-capture-hash` with OLD and NEW (BENCH: the 1 GB benchmark capture)
#   new-bare / new-t30    : `replay --no-capture-hash` with NEW on BARE and TUN, the same generated traffic (same seed
#                           and --packets) bare and with 30 % of its flows in VXLAN (TrafficGen --tunnel-share 0.3)
# usage: benchmarks/tunnel-cost.sh OLD NEW BENCH BARE TUN [RUNS]
#   e.g. TrafficGen --packets 2000000 --bytes 1 --out bare.pcap; TrafficGen --packets 2000000 --bytes 1 --tunnel-share 0.3 --out t30.pcap
set -euo pipefail
OLD=$1 NEW=$2 BENCH=$3 BARE=$4 TUN=$5 RUNS=${6:-5}
CORE=${CORE:-0}
TOPO=$(cd "$(dirname "$0")/.." && pwd)/topologies/sample-city.yaml
out=$(mktemp -d)
run() { # label bin capture
  /usr/bin/time -f "%e %U %S %M" -o "$out/t" taskset -c "$CORE" "$2" replay "$3" -t "$TOPO" --no-capture-hash --format jsonl -o "$out/$1.jsonl" 2>/dev/null || [ $? -eq 1 ]
  echo "$1 $(tail -1 "$out/t")" >>"$out/all"
}
for f in "$BENCH" "$BARE" "$TUN"; do cat "$f" >/dev/null; done
for i in $(seq "$RUNS"); do
  run old-bench "$OLD" "$BENCH"; run new-bench "$NEW" "$BENCH"
  run new-bare "$NEW" "$BARE"; run new-t30 "$NEW" "$TUN"
done
python3 - "$out/all" <<'PY'
import sys, statistics as st
rows = {}
for line in open(sys.argv[1]):
    k, e, u, s, m = line.split()
    rows.setdefault(k, []).append((float(e), float(u) + float(s), int(m)))
print("| row | wall s (median) | CPU s (median) | peak RSS MB | wall of each run |")
print("|---|---:|---:|---:|---|")
med = {}
for k, v in rows.items():
    w = st.median(x[0] for x in v); c = st.median(x[1] for x in v)
    med[k] = (w, c)
    print(f"| {k} | {w:.3f} | {c:.3f} | {max(x[2] for x in v)//1024} | {' '.join(f'{x[0]:.2f}' for x in v)} |")
print()
print(f"new / old on the benchmark capture: {med['new-bench'][0]/med['old-bench'][0]:.2f}x wall, {med['new-bench'][1]/med['old-bench'][1]:.2f}x CPU")
print(f"30 % tunnelled / bare: {med['new-t30'][0]/med['new-bare'][0]:.2f}x wall, {med['new-t30'][1]/med['new-bare'][1]:.2f}x CPU")
PY
rm -rf "$out"
