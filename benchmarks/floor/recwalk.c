/*
 * recwalk: the records-only floor of the whole-process comparison.
 * read()s a classic pcap file in 1 MiB chunks and walks the 16-byte record headers (incl_len), counting packets and
 * bytes, touching nothing else. Whatever a real tool does per packet costs on top of this.
 * Build: gcc -O2 -o recwalk recwalk.c
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CHUNK (1 << 20)
#define GLOBAL_HEADER 24
#define RECORD_HEADER 16

static unsigned char buf[CHUNK + 65536 + RECORD_HEADER];

int main(int argc, char **argv)
{
    if (argc != 2) { fprintf(stderr, "usage: recwalk FILE.pcap\n"); return 2; }
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) { perror(argv[1]); return 2; }
    size_t have = 0, pos = 0;
    uint64_t packets = 0, bytes = 0;
    int swapped = -1, skipped_header = 0;
    for (;;) {
        /* keep the unread tail, refill behind it */
        if (pos > 0) { memmove(buf, buf + pos, have - pos); have -= pos; pos = 0; }
        ssize_t n = read(fd, buf + have, CHUNK);
        if (n < 0) { perror("read"); return 2; }
        if (n == 0) break;
        have += (size_t)n;
        if (!skipped_header) {
            if (have < GLOBAL_HEADER) continue;
            uint32_t magic; memcpy(&magic, buf, 4);
            if (magic == 0xa1b2c3d4u || magic == 0xa1b23c4du) swapped = 0;
            else if (magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u) swapped = 1;
            else { fprintf(stderr, "not a classic pcap\n"); return 2; }
            pos = GLOBAL_HEADER;
            skipped_header = 1;
        }
        while (have - pos >= RECORD_HEADER) {
            uint32_t incl; memcpy(&incl, buf + pos + 8, 4);
            if (swapped) incl = __builtin_bswap32(incl);
            if (have - pos < RECORD_HEADER + (size_t)incl) break;
            packets++;
            bytes += incl;
            pos += RECORD_HEADER + incl;
        }
    }
    printf("packets %llu bytes %llu\n", (unsigned long long)packets, (unsigned long long)bytes);
    close(fd);
    return 0;
}
