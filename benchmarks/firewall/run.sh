#!/usr/bin/env bash
# check-firewall scenarios of issue 10 (targets: each under 1 GB; 10,000-rule iptables and nft rulesets < 2 s,
# 100,000-element named set < 3 s, 3,000 DROP rules with shadow analysis < 3 s, 25-chain DAG with 2 jumps per chain
# < 1 s). Prints one row per scenario: wall and CPU seconds and peak RSS from GNU time, and the bench's own line.
# usage: benchmarks/firewall/run.sh [BENCH_BINARY] [OUT_DIR]   (default: the Release build of SegVerify.FirewallBench)
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${1:-benchmarks/SegVerify.FirewallBench/bin/Release/net10.0/SegVerify.FirewallBench}
OUT=${2:-/tmp/segverify-fwbench}
mkdir -p "$OUT"
if [ -z "${1:-}" ]; then dotnet build benchmarks/SegVerify.FirewallBench -c Release -v q -nologo >/dev/null; fi
echo "# $(date -u '+%F %T UTC'); uptime: $(uptime)"
echo "| scenario | target s | wall s | CPU s | peak RSS MB | bench output |"
echo "|---|---:|---:|---:|---:|---|"
while read -r name gen n target; do
  f="$OUT/$name.rules"
  [ -s "$f" ] || "$B" generate "$gen" "$n" "$f" >/dev/null
  out=$( { /usr/bin/time -f 'TIME %e %U %S %M' "$B" analyse "$f"; } 2>&1 )
  read -r _ wall user sys rss <<<"$(grep '^TIME' <<<"$out")"
  line=$(grep '^rules=' <<<"$out")
  printf '| %s | %s | %s | %.2f | %d | `%s` |\n' "$name" "$target" "$wall" "$(echo "$user + $sys" | bc)" "$((rss / 1024))" "$line"
done <<'SCENARIOS'
iptables-10k iptables 10000 2
nft-10k nft 10000 2
named-set-100k set 100000 3
drops-3k drops 3000 3
dag-25 dag 25 1
SCENARIOS
