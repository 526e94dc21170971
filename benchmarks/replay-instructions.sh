#!/usr/bin/env bash
# Instructions executed by `segverify replay --no-capture-hash` (valgrind callgrind, Ir) on the first PACKETS packets of
# a capture, for one or more builds: a figure that does not depend on the machine's load, unlike wall or CPU time (it
# does not see cache misses, so it complements a quiet-machine timing, it does not replace one).
# Per packet = (Ir of the slice - Ir of a 100-packet slice) / (PACKETS - 100): start-up and topology loading cancel out.
# usage: benchmarks/replay-instructions.sh CAPTURE TOPOLOGY PACKETS BIN...   (needs valgrind and editcap)
set -eu
CAP=$1; TOPO=$2; N=$3; shift 3
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
# the slices keep the capture's format (editcap writes pcapng unless told): the readers differ in cost
case $(od -An -tx1 -N4 "$CAP" | tr -d ' \n') in
  0a0d0d0a) F=pcapng ;;
  4d3cb2a1|a1b23c4d) F=nsecpcap ;;
  *) F=pcap ;;
esac
editcap -F $F -r "$CAP" "$W/slice.pcap" "1-$N"
editcap -F $F -r "$CAP" "$W/tiny.pcap" 1-100
ir() { # BIN CAPTURE -> total Ir
  valgrind --tool=callgrind --callgrind-out-file="$W/cg.out" "$1" replay "$2" -t "$TOPO" --no-capture-hash \
    --format jsonl -o "$W/out.jsonl" 2>&1 | sed -n 's/.*I *refs: *//p' | tr -d ,
}
echo "build Ir-slice Ir-100-packets Ir-per-packet"
for b in "$@"; do
  # valgrind 3.19 gives up on a Native AOT build's separate debug file (segverify.dbg): run a copy without it
  mkdir -p "$W/bin"; cp "$b" "$W/bin/segverify"
  s=$(ir "$W/bin/segverify" "$W/slice.pcap"); t=$(ir "$W/bin/segverify" "$W/tiny.pcap")
  echo "$b $s $t $(( (s - t) / (N - 100) ))"
done
