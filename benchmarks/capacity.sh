#!/usr/bin/env bash
# Capacity of `segverify monitor` against `tcpdump -w /dev/null` (the capture-only reference). Not a test. Needs root,
# iproute2, netsniff-ng (trafgen), tcpdump, python3; perf for PROFILE=1. Creates two network namespaces joined by a
# veth pair (traffic never leaves them). For each traffic kind and rate, and for each capture tool in turn, trafgen
# (one CPU, frames in order) sends FRAMES frames into one end; the tool captures on the other. Recorded per step:
# frames sent (trafgen) and the rate achieved, frames the tool received and every drop counter it reports, the sender
# side's tx drops (veth backlog full), and the tool's CPU time (user + system, from /proc/PID/stat: only the time
# between the first and the last measured frame, so start-up, the warm-up frames that open the flows and grow the flow
# table (WARMUP), and the final summary are not counted) per measured frame received.
# Then: the highest rate with no drop, and the capacity per core that the CPU per frame implies, for each tool.
#
# Traffic kinds: "64": 60-byte UDP frames (64 on the wire with the FCS) in 59,000 flows from inet-office to the
# Internet (no finding); "mix": the first MIX_FRAMES frames of the benchmark capture (benchmarks/SegVerify.TrafficGen,
# generated if absent), converted to a trafgen configuration, looped.
# With CHECK=1 (default), the mix is finally sent once at the highest rate monitor took without a drop, and monitor's
# findings are compared with `segverify replay` of the same frames (rule, proto, addresses, ports, source MAC).
# With PROFILE=1, `perf record` samples monitor during the full-speed 64-byte step: where its time goes.
#
# usage: benchmarks/capacity.sh
#   env: RATES="100000 250000 400000 top" (frames/s; top = as fast as one trafgen CPU sends), TRAFFIC="64 mix",
#        TOOLS="monitor monitor-libpcap tcpdump", FRAMES=3000000 (per step), MIX_FRAMES=50000,
#        SEGVERIFY=<segverify binary> (default: publish the Native AOT build to benchmarks/out/bin-aot),
#        TOPOLOGY=topologies/sample-city.yaml, MIX_PCAP=benchmarks/out/city.pcap, OUT=/tmp/segverify-capacity,
#        CHECK=1, PROFILE=0, WARMUP=100000 (frames sent, not measured, before each step's measured frames)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
RATES=${RATES:-"100000 250000 400000 top"}
TRAFFIC=${TRAFFIC:-"64 mix"}
TOOLS=${TOOLS:-"monitor monitor-libpcap tcpdump"}
FRAMES=${FRAMES:-3000000}
MIX_FRAMES=${MIX_FRAMES:-50000}
TOPOLOGY=${TOPOLOGY:-$here/topologies/sample-city.yaml}
MIX_PCAP=${MIX_PCAP:-$here/benchmarks/out/city.pcap}
OUT=${OUT:-${TMPDIR:-/tmp}/segverify-capacity}
CHECK=${CHECK:-1}
WARMUP=${WARMUP:-100000}
PROFILE=${PROFILE:-0}
[[ $(id -u) -eq 0 ]] || { echo "capacity.sh: needs root (network namespaces, capture)" >&2; exit 2; }
for t in ip trafgen tcpdump python3; do command -v $t >/dev/null || { echo "capacity.sh: $t is missing (apt-get install iproute2 netsniff-ng tcpdump python3)" >&2; exit 2; }; done
mkdir -p "$OUT"
if [[ -z "${SEGVERIFY:-}" ]]; then
  rid=linux-$(uname -m | sed 's/x86_64/x64/; s/aarch64/arm64/')
  dotnet publish "$here/src/SegVerify.Cli" -c Release -r "$rid" -o "$here/benchmarks/out/bin-aot" -v q -nologo >"$OUT/publish.log"
  SEGVERIFY=$here/benchmarks/out/bin-aot/segverify
fi
hz=$(getconf CLK_TCK)

# Traffic configurations.
cat >"$OUT/t64.cfg" <<'EOF'
{
  eth(da=02:30:ff:ff:ff:01, sa=02:30:00:01:00:11, type=0x0800),
  ipv4(saddr=10.30.1.11, daddr=203.0.113.53, ttl=64),
  udp(sp=dinc(1024, 60023), dp=53),
  fill(0x00, 18)
}
EOF
if [[ " $TRAFFIC " == *" mix "* || $CHECK == 1 ]]; then
  if [[ ! -s "$MIX_PCAP" ]]; then
    mkdir -p "$(dirname "$MIX_PCAP")"
    dotnet run --project "$here/benchmarks/SegVerify.TrafficGen" -c Release -- --out "$MIX_PCAP" >"$OUT/trafficgen.log"
  fi
  python3 "$here/benchmarks/pcap2trafgen.py" "$MIX_PCAP" "$OUT/mix.cfg" "$MIX_FRAMES" "$OUT/mix.pcap" >/dev/null
fi

tag=$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')
nsm=svcapm$tag nsg=svcapg$tag ifm=svcm$tag ifg=svcg$tag
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

cpu_ticks() { awk '{print $14, $15}' /proc/$1/stat; }   # utime stime, in clock ticks
tx_dropped() { ip netns exec $nsg cat /sys/class/net/$ifg/statistics/tx_dropped; }

# Starts a capture tool in the background; sets $pid. $1: tool, $2: label for its files.
start_tool() {
  local tool=$1 label=$2
  case $tool in
    monitor|monitor-libpcap)
      local method=tpacket; [[ $tool == monitor-libpcap ]] && method=libpcap
      ip netns exec $nsm "$SEGVERIFY" monitor --interface $ifm --topology "$TOPOLOGY" --format jsonl --lang en \
        --stats-interval 0 --capture $method --output "$OUT/$label.jsonl" 2>"$OUT/$label.err" &
      pid=$!; ready="capturing on" ;;
    tcpdump)
      # 64 MiB kernel buffer, like monitor's ring; snaplen 262144 (tcpdump's default, like monitor's).
      ip netns exec $nsm tcpdump -i $ifm -n -B 65536 -w /dev/null 2>"$OUT/$label.err" &
      pid=$!; ready="listening on" ;;
  esac
  for _ in $(seq 100); do grep -q "$ready" "$OUT/$label.err" 2>/dev/null && break; sleep 0.1; done
  sleep 0.5
}
# SIGTERM (a background job of a non-interactive shell starts with SIGINT ignored): monitor writes its summary and
# tcpdump its statistics on it.
stop_tool() { kill -TERM $pid; wait $pid || true; }
json_field() { tail -1 "$1" | python3 -c "import json,sys; print(json.load(sys.stdin).get('$2', ''))"; }

# One step: tool $1, traffic $2, rate $3. Appends a row to $OUT/steps.tsv.
step() {
  local tool=$1 traffic=$2 rate=$3 label="$1-$2-$3" cfg n
  if [[ $traffic == 64 ]]; then cfg=$OUT/t64.cfg; else cfg=$OUT/mix.cfg; fi
  n=$FRAMES
  start_tool $tool $label
  if [[ $WARMUP -gt 0 ]]; then
    # Warm-up: the traffic's flows are opened and the flow table has grown before the measured frames (a mirror
    # port's steady state); these frames are not counted.
    ip netns exec $nsg trafgen -i "$cfg" -o $ifg -n $WARMUP -P 1 >/dev/null 2>&1 || true
    sleep 1
  fi
  local txd0; txd0=$(tx_dropped)
  read -r u0 s0 < <(cpu_ticks $pid)
  local prof=""
  if [[ $PROFILE == 1 && $tool == monitor && $traffic == 64 && $rate == top ]]; then
    perf record -e cpu-clock -F 1999 -g -p $pid -o "$OUT/perf-$label.data" >/dev/null 2>&1 & prof=$!
  fi
  local gap=(); [[ $rate != top ]] && gap=(-b "${rate}pps")
  local t0 t1; t0=$(date +%s.%N)
  ip netns exec $nsg trafgen -i "$cfg" -o $ifg -n $n -P 1 "${gap[@]}" 2>&1 | tr -d '\r' >"$OUT/trafgen-$label.txt" || true
  t1=$(date +%s.%N)
  sleep 1.5   # the ring's last block is handed over after at most 100 ms; tcpdump's buffer likewise
  read -r u1 s1 < <(cpu_ticks $pid)
  [[ -n $prof ]] && { kill -TERM $prof; wait $prof || true; }
  local txd1; txd1=$(tx_dropped)
  stop_tool
  local sent secs achieved seen kd other
  sent=$(awk -v w=$WARMUP '/packets outgoing/ {s+=$1} END {print s+w}' "$OUT/trafgen-$label.txt")
  # trafgen's own timing, "S sec, U usec on CPU0 (N packets)": the send loop, without parsing the configuration.
  secs=$(awk '/usec on CPU/ {t = $1 + $3 / 1e6; if (t > m) m = t} END {printf "%.6f", m}' "$OUT/trafgen-$label.txt")
  [[ $secs == 0.000000 ]] && secs=$(python3 -c "print($t1 - $t0)")
  achieved=$(python3 -c "print(round(($sent - $WARMUP) / $secs))")
  case $tool in
    monitor*)
      seen=$(json_field "$OUT/$label.jsonl" packets)
      kd=$(json_field "$OUT/$label.jsonl" kernel_dropped)
      other=$(( $(json_field "$OUT/$label.jsonl" queue_dropped) + $(json_field "$OUT/$label.jsonl" unread) + $(json_field "$OUT/$label.jsonl" if_dropped) )) ;;
    tcpdump)
      seen=$(awk '/packets captured/ {print $1}' "$OUT/$label.err")
      kd=$(awk '/dropped by kernel/ {print $1}' "$OUT/$label.err")
      other=0 ;;
  esac
  local cpu ns
  cpu=$(python3 -c "print(f'{(($u1 - $u0) + ($s1 - $s0)) / $hz:.2f}')")
  ns=$(python3 -c "s=$seen - $WARMUP; print(f'{((($u1 - $u0) + ($s1 - $s0)) / $hz) * 1e9 / s:.0f}' if s > 0 else '')")
  printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" $traffic $rate $achieved $tool $sent "$seen" "$kd" "$other" \
    $(( txd1 - txd0 )) "$(python3 -c "print(f'{($u1-$u0)/$hz:.2f} {($s1-$s0)/$hz:.2f}')")" "$cpu" "$ns" >>"$OUT/steps.tsv"
  tail -1 "$OUT/steps.tsv"
}

printf "traffic\trate_asked\trate_achieved\ttool\tsent\tseen\tkernel_dropped\tother_dropped\tsender_tx_dropped\tuser_sys_s\tcpu_s\tns_per_frame\n" >"$OUT/steps.tsv"
cat "$OUT/steps.tsv"
for traffic in $TRAFFIC; do
  for rate in $RATES; do
    for tool in $TOOLS; do step $tool $traffic $rate; done
  done
done

# The report.
python3 - "$OUT" "$FRAMES" "$MIX_FRAMES" <<'EOF' | tee "$OUT/capacity.md"
import csv, sys
out, frames, mix = sys.argv[1], sys.argv[2], sys.argv[3]
rows = list(csv.DictReader(open(f"{out}/steps.tsv"), delimiter="\t"))
def lossless(r):
    return r["seen"] == r["sent"] and r["kernel_dropped"] == "0" and r["other_dropped"] == "0" and r["sender_tx_dropped"] == "0"
print("| traffic | rate asked | rate sent (frames/s) | tool | sent | received | kernel drops | other drops | sender drops | CPU user / sys s | CPU ns per frame | frames/s per core (1/CPU) |")
print("|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    ns = r["ns_per_frame"]
    per_core = f"{1e9 / float(ns):,.0f}" if ns else ""
    print(f"| {r['traffic']} | {r['rate_asked']} | {int(r['rate_achieved']):,} | {r['tool']} | {int(r['sent']):,} | {int(r['seen'] or 0):,} | {r['kernel_dropped']} | {r['other_dropped']} | {r['sender_tx_dropped']} | {r['user_sys_s']} | {ns} | {per_core} |")
print()
tools = []
for r in rows:
    if r["tool"] not in tools: tools.append(r["tool"])
for traffic in dict.fromkeys(r["traffic"] for r in rows):
    print(f"**{traffic}**: ", end="")
    parts = []
    for tool in tools:
        rs = [r for r in rows if r["traffic"] == traffic and r["tool"] == tool]
        ok = [int(r["rate_achieved"]) for r in rs if lossless(r)]
        best = f"{max(ok):,} frames/s" if ok else "none"
        nss = [float(r["ns_per_frame"]) for r in rs if r["ns_per_frame"]]
        med = sorted(nss)[len(nss) // 2] if nss else None
        parts.append(f"{tool}: highest rate with no drop {best}, median CPU {med:.0f} ns per frame = {1e9 / med:,.0f} frames/s per core" if med else f"{tool}: no data")
    print("; ".join(parts) + ".")
    ref = {r["rate_asked"]: float(r["ns_per_frame"]) for r in rows if r["traffic"] == traffic and r["tool"] == "tcpdump" and r["ns_per_frame"]}
    for tool in tools:
        if tool == "tcpdump": continue
        ratios = [f"{r['rate_asked']}: {float(r['ns_per_frame']) / ref[r['rate_asked']]:.2f}x" for r in rows
                  if r["traffic"] == traffic and r["tool"] == tool and r["ns_per_frame"] and r["rate_asked"] in ref]
        if ratios: print(f"  {tool} CPU per frame / tcpdump's, per rate: " + ", ".join(ratios) + ".")
    print()
EOF

# Where monitor's time goes (perf, full-speed 64-byte step).
if [[ $PROFILE == 1 ]] && ls "$OUT"/perf-*.data >/dev/null 2>&1; then
  for f in "$OUT"/perf-*.data; do
    perf report -i "$f" --no-children --sort dso,sym --stdio -g none 2>/dev/null | grep -E '^ +[0-9.]+%' >"${f%.data}.txt" || true
    # Stages: capture (the ring walk), engine (decode, classify, flows, policy), output (findings), runtime, kernel.
    python3 - "${f%.data}.txt" <<'PY' | tee -a "$OUT/capacity.md"
import re, sys
stages = {}
top = []
for line in open(sys.argv[1]):
    m = re.match(r"\s*([0-9.]+)%\s+(\S+)\s+\[(.)\]\s+(.*)", line)
    if not m: continue
    pct, dso, _, sym = float(m.group(1)), m.group(2), m.group(3), m.group(4).strip()
    if "kernel" in dso: st = "kernel (poll, wake-ups, page faults, timer)"
    elif "TpacketV3Source" in sym or "PacketRing" in sym or "PcapSource" in sym: st = "capture (ring walk, frame records)"
    elif "MonitorSession" in sym: st = "monitor loop"
    elif re.search(r"Sink|Json|Output|Stream|Writer|Syslog", sym): st = "output (findings, summary)"
    elif "SegVerify_Core" in sym: st = "engine (decode, classify, flow table, policy)"
    else: st = "runtime and libraries (" + dso + ")"
    stages[st] = stages.get(st, 0) + pct
    parts = sym.split("__")
    name = parts[-2].split("_")[-1] + "." + parts[-1] if len(parts) >= 2 else sym
    if len(top) < 8: top.append(f"{name} {pct:.1f}%")
print("Where monitor's CPU time goes (perf, " + sys.argv[1].rsplit("/", 1)[-1] + "): " +
      ", ".join(f"{k} {v:.1f}%" for k, v in sorted(stages.items(), key=lambda kv: -kv[1])) + ". Top symbols: " + ", ".join(top) + ".")
PY
  done
fi

# Findings at the highest lossless rate equal replay's on the same frames.
if [[ $CHECK == 1 ]]; then
  best=$(awk -F'\t' '$4=="monitor" && $2!="top" && $6==$5 && $7==0 && $8==0 && $9==0 {print $2}' "$OUT/steps.tsv" | sort -n | tail -1)
  if awk -F'\t' '$4=="monitor" && $2=="top" && $6==$5 && $7==0 && $8==0 && $9==0' "$OUT/steps.tsv" | grep -q .; then best=top; fi
  best=${best:-100000}
  start_tool monitor check
  gap=(); [[ $best != top ]] && gap=(-b "${best}pps")
  ip netns exec $nsg trafgen -i "$OUT/mix.cfg" -o $ifg -n "$(grep -c '^{' "$OUT/mix.cfg")" -P 1 "${gap[@]}" >"$OUT/trafgen-check.txt" 2>&1 || true
  sleep 1.5
  stop_tool
  "$SEGVERIFY" replay "$OUT/mix.pcap" --topology "$TOPOLOGY" --format jsonl --lang en --output "$OUT/check-replay.jsonl" || true
  python3 - "$OUT" "$best" <<'EOF' | tee -a "$OUT/capacity.md"
import json, sys
out, rate = sys.argv[1], sys.argv[2]
F = ["event", "rule", "proto", "src_ip", "src_port", "dst_ip", "dst_port", "src_mac"]
def keys(path):
    ks, summary = [], {}
    for line in open(path):
        d = json.loads(line)
        if d["event"] == "summary": summary = d; continue
        ks.append("|".join(str(d.get(f, "-")) for f in F))
    return sorted(ks), summary
live, ls = keys(f"{out}/check.jsonl")
replay, rs = keys(f"{out}/check-replay.jsonl")
same = live == replay
print(f"Findings check: the {rs.get('packets')} mix frames sent once at rate {rate}: monitor received {ls.get('packets')}, "
      f"dropped {ls.get('dropped')}; {len(live)} findings, replay {len(replay)}: {'equal' if same else 'DIFFERENT'} "
      f"(by_rule monitor {json.dumps(ls.get('by_rule'), sort_keys=True)}, replay {json.dumps(rs.get('by_rule'), sort_keys=True)}).")
sys.exit(0 if same else 1)
EOF
fi
