#!/usr/bin/env bash
# one side-by-side run for issue 14 item 3 (quiet machine), pinned rows on core 0 unless noted.
# How the capture sits in the page cache matters to every row (benchmarks/RESULTS.md): a file written in large writes
# (TrafficGen writes 8 MiB at a time) or read back through read-ahead is cached in large folios; one written 4 KiB at a
# time (tcpdump -w, dd bs=4k) in 4 KiB folios, which cost every reader more system time per byte, and a mapping most.
set -u
CAP=$1; SV=$2; TOPO=$3; RUNS=${4:-3}
Z4=(10.10.0.0/16 10.20.0.0/16 10.30.0.0/16 198.51.100.0/26 172.16.0.0/12 192.0.2.0/24)
Z6=(fd00:10::/64 fd00:20::/64 2001:db8:30::/64)
intra=""; for n in "${Z4[@]}" "${Z6[@]}"; do intra+="${intra:+ or }(src net $n and dst net $n)"; done
F="(ip or ip6) and not ($intra)"; BPF="($F) or (vlan and ($F))"
cat "$CAP" > /dev/null
row() { /usr/bin/time -f "%e %U %S %M" -o ${TMPDIR:-/tmp}/rs.t "${@:2}" >/dev/null 2>&1; echo "$1 $(tail -1 ${TMPDIR:-/tmp}/rs.t)"; }
for i in $(seq $RUNS); do
  row recwalk taskset -c 0 ${RECWALK:-benchmarks/out/recwalk} "$CAP"
  row tcpdump-bpf taskset -c 0 tcpdump -r "$CAP" -w /dev/null "$BPF"
  row replay-nohash-1core taskset -c 0 "$SV" replay "$CAP" -t "$TOPO" --no-capture-hash --format jsonl -o /tmp/rs1.jsonl
  row replay-nohash-read-1core env SEGVERIFY_NO_MMAP=1 taskset -c 0 "$SV" replay "$CAP" -t "$TOPO" --no-capture-hash --format jsonl -o /tmp/rs1.jsonl
  row replay-default-2cores "$SV" replay "$CAP" -t "$TOPO" --format jsonl -o /tmp/rs2.jsonl
  row replay-default-1core taskset -c 0 "$SV" replay "$CAP" -t "$TOPO" --format jsonl -o /tmp/rs3.jsonl
  row openssl-sha256 taskset -c 0 openssl dgst -sha256 "$CAP"
  row sha256sum taskset -c 0 sha256sum "$CAP"
done
