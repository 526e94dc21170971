#!/usr/bin/env bash
# Soak/stress procedure for `segverify monitor` (not a test). Needs root, iproute2, tcpreplay, libpcap0.8 (ethtool
# optional). Creates two network namespaces joined by a veth pair (traffic never leaves them), runs monitor on one end
# and tcpreplays a capture into the other at increasing rates. For each rate it records the packets seen, the kernel
# and queue drops (from monitor's summary) and monitor's RSS; then it runs the highest rate without drops for
# SOAK_MINUTES and records RSS over time.
#
# usage: benchmarks/soak.sh [CAPTURE] [TOPOLOGY]
#   env: RATES="50 100 200 400 800 1600" (Mbit/s; "top" = --topspeed), LOOPS=20 (tcpreplay --loop per step),
#        SOAK_MINUTES=10, SEGVERIFY="dotnet src/SegVerify.Cli/bin/Release/net10.0/segverify.dll", OUT=/tmp/segverify-soak
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
capture=${1:-$here/../shared/scenarios/sample-city/sample-city.pcap}
topology=${2:-$here/../shared/scenarios/sample-city/topology.yaml}
RATES=${RATES:-"50 100 200 400 800 1600 top"}
LOOPS=${LOOPS:-20}
SOAK_MINUTES=${SOAK_MINUTES:-10}
OUT=${OUT:-${TMPDIR:-/tmp}/segverify-soak}
if [[ -z "${SEGVERIFY:-}" ]]; then
  dotnet build -c Release "$here/src/SegVerify.Cli/SegVerify.Cli.csproj" -v q >/dev/null
  SEGVERIFY="dotnet $here/src/SegVerify.Cli/bin/Release/net10.0/segverify.dll"
fi
[[ $(id -u) -eq 0 ]] || { echo "soak.sh: needs root (network namespaces, capture)" >&2; exit 2; }
for t in ip tcpreplay; do command -v $t >/dev/null || { echo "soak.sh: $t is missing" >&2; exit 2; }; done
mkdir -p "$OUT"
tag=$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')
nsm=svsoakm$tag nsg=svsoakg$tag ifm=svsm$tag ifg=svsg$tag
cleanup() { ip netns del $nsm 2>/dev/null || true; ip netns del $nsg 2>/dev/null || true; }
trap cleanup EXIT
ip netns add $nsm; ip netns add $nsg
ip link add $ifm type veth peer name $ifg
ip link set $ifm netns $nsm; ip link set $ifg netns $nsg
for p in "$nsm $ifm" "$nsg $ifg"; do
  set -- $p
  ip netns exec $1 sysctl -qw net.ipv6.conf.$2.disable_ipv6=1 || true
  command -v ethtool >/dev/null && ip netns exec $1 ethtool -K $2 rxvlan off txvlan off 2>/dev/null || true
  ip netns exec $1 ip link set $2 up
done

# Starts monitor in the background; sets $mon_pid. $1: a label for its files.
start_monitor() {
  ip netns exec $nsm $SEGVERIFY monitor --interface $ifm --topology "$topology" --format jsonl --quiet \
    --stats-interval 0 --output "$OUT/$1.jsonl" 2>"$OUT/$1.err" &
  mon_pid=$!
  sleep 3
}
# SIGTERM, not SIGINT: a background job of a non-interactive shell starts with SIGINT ignored.
stop_monitor() { kill -TERM $mon_pid; wait $mon_pid || true; }
rss_kb() { awk '/VmRSS/ {print $2}' /proc/$(pgrep -P $mon_pid -n || echo $mon_pid)/status 2>/dev/null || echo 0; }
summary_field() { tail -1 "$OUT/$1.jsonl" | python3 -c "import json,sys; print(json.load(sys.stdin).get('$2'))"; }

printf "%-6s %10s %10s %8s %8s %8s %10s  %s\n" rate sent_pkts seen_pkts kernel queue ifdrop rss_kb "tcpreplay rated" | tee "$OUT/rates.txt"
best=""
for r in $RATES; do
  start_monitor "rate-$r"
  if [[ $r == top ]]; then speed=--topspeed; else speed=--mbps=$r; fi
  ip netns exec $nsg tcpreplay --intf1=$ifg $speed --loop=$LOOPS "$capture" >"$OUT/tcpreplay-$r.txt" 2>&1 || true
  sent=$(awk '/Successful packets:/ {print $3}' "$OUT/tcpreplay-$r.txt")
  rated=$(awk '/Rated:/ {print $4, $5, $6, $7; exit}' "$OUT/tcpreplay-$r.txt")
  sleep 2
  rss=$(rss_kb)
  stop_monitor
  seen=$(summary_field "rate-$r" packets); kd=$(summary_field "rate-$r" kernel_dropped)
  qd=$(summary_field "rate-$r" queue_dropped); ifd=$(summary_field "rate-$r" if_dropped)
  printf "%-6s %10s %10s %8s %8s %8s %10s  %s\n" $r "$sent" "$seen" "$kd" "$qd" "$ifd" "$rss" "$rated" | tee -a "$OUT/rates.txt"
  if [[ "$kd" == 0 && "$qd" == 0 && "$seen" == "$sent" ]]; then best=$r; fi
done
echo "highest rate with zero drops: ${best:-none}" | tee -a "$OUT/rates.txt"

[[ -n "$best" && "$SOAK_MINUTES" -gt 0 ]] || exit 0
# Soak: the best rate, looped for SOAK_MINUTES, RSS sampled every 30 s.
start_monitor soak
if [[ $best == top ]]; then speed=--topspeed; else speed=--mbps=$best; fi
end=$(( $(date +%s) + SOAK_MINUTES * 60 ))
( while [[ $(date +%s) -lt $end ]]; do ip netns exec $nsg tcpreplay --intf1=$ifg $speed --loop=$LOOPS "$capture" >/dev/null 2>&1; done ) &
gen=$!
echo "minute rss_kb" | tee "$OUT/soak-rss.txt"
while [[ $(date +%s) -lt $end ]]; do
  sleep 30
  echo "$(( (SOAK_MINUTES * 60 - (end - $(date +%s))) / 60 )) $(rss_kb)" | tee -a "$OUT/soak-rss.txt"
done
wait $gen || true
stop_monitor
echo "soak summary: $(tail -1 "$OUT/soak.jsonl")" | tee -a "$OUT/soak-rss.txt"
