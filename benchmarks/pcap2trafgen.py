#!/usr/bin/env python3
"""Writes the frames of a classic pcap as a trafgen configuration (one { ... } block per frame, in order).

Runs of 8 or more equal bytes become fill(0xNN, COUNT), so the generator's zero payloads stay small and trafgen
parses the file quickly. With SLICE.pcap, also writes those frames (the first MAX_PACKETS) as a pcap of their own,
for `segverify replay` to compare with what monitor reports when trafgen sends them once.
usage: pcap2trafgen.py IN.pcap OUT.cfg [MAX_PACKETS [SLICE.pcap]]
"""
import struct
import sys


def frames(path, limit):
    with open(path, "rb") as f:
        head = f.read(24)
        magic = struct.unpack("<I", head[:4])[0]
        if magic in (0xA1B2C3D4, 0xA1B23C4D):
            endian = "<"
        elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
            endian = ">"
        else:
            sys.exit(f"pcap2trafgen: {path}: not a classic pcap (magic {magic:#x})")
        n = 0
        while limit is None or n < limit:
            rec = f.read(16)
            if len(rec) < 16:
                return
            _, _, caplen, _ = struct.unpack(endian + "IIII", rec)
            data = f.read(caplen)
            if len(data) < caplen:
                return
            yield head, rec, data
            n += 1


def block(data):
    parts = []
    i = 0
    while i < len(data):
        j = i
        while j < len(data) and data[j] == data[i]:
            j += 1
        if j - i >= 8:
            parts.append(f"fill(0x{data[i]:02x}, {j - i})")
            i = j
        else:
            parts.append(f"0x{data[i]:02x}")
            i += 1
    return "{ " + ", ".join(parts) + " }\n"


def main():
    if len(sys.argv) not in (3, 4, 5):
        sys.exit(__doc__)
    limit = int(sys.argv[3]) if len(sys.argv) >= 4 else None
    sliced = open(sys.argv[4], "wb") if len(sys.argv) == 5 else None
    count = 0
    with open(sys.argv[2], "w") as out:
        for head, rec, data in frames(sys.argv[1], limit):
            if sliced is not None:
                if count == 0:
                    sliced.write(head)
                sliced.write(rec)
                sliced.write(data)
            out.write(block(data))
            count += 1
    if sliced is not None:
        sliced.close()
    print(f"pcap2trafgen: {count} frames -> {sys.argv[2]}")


if __name__ == "__main__":
    main()
