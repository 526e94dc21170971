/*
 * mapwalk: the records-only floor again, with the file memory-mapped instead of read(): walks the 16-byte record
 * headers of a classic pcap and touches two bytes of each frame (as a parser must), so that the cost of bringing the
 * frames from the page cache into the CPU shows, which read() pays as its copy.
 * usage: mapwalk FILE.pcap [MODE [DIST]]
 *   MODE bits: 1 MAP_POPULATE, 4 prefetch one line 8 KiB ahead per record, 8 prefetch every cache line up to DIST
 *   bytes ahead (default 4096) (default MODE 0)
 * Build: gcc -O2 -o mapwalk mapwalk.c
 * Findings (benchmarks/RESULTS.md, 2026-11-30): each record's header is found only from the length before it, so the
 * walk waits for memory record after record unless the file is requested ahead: one line per record (mode 5) leaves
 * the walk about as slow as recwalk's read() walk; every line 4 KiB ahead (mode 9) makes it a third faster. What the
 * mapping itself costs depends on the page cache: MAP_POPULATE and unmapping work per folio, so a file cached in
 * 4 KiB folios (written 4 KiB at a time) costs about 0.08 s of system time per GB more than one cached in large
 * folios (written in large writes or read back through read-ahead).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: mapwalk FILE.pcap [MODE [DIST]]\n"); return 2; }
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) { perror(argv[1]); return 2; }
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size < 24) { fprintf(stderr, "not a pcap\n"); return 2; }
    int mode = argc > 2 ? atoi(argv[2]) : 0;
    unsigned char *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | ((mode & 1) ? MAP_POPULATE : 0), fd, 0);
    if (p == MAP_FAILED) { perror("mmap"); return 2; }
    madvise(p, (size_t)st.st_size, MADV_SEQUENTIAL);
    size_t pos = 24, size = (size_t)st.st_size;
    uint64_t packets = 0, sum = 0;
    size_t pf = 0, dist = argc > 3 ? (size_t)atol(argv[3]) : 4096;
    while (pos + 16 <= size) {
        uint32_t incl;
        memcpy(&incl, p + pos + 8, 4);
        if (pos + 16 + incl > size) break;
        if (mode & 4) __builtin_prefetch(p + pos + 8192);
        if (mode & 8) {
            size_t want = pos + dist < size ? pos + dist : size;
            for (; pf < want; pf += 64) __builtin_prefetch(p + pf);
        }
        if (incl > 40) sum += p[pos + 16 + 12] + p[pos + 16 + 40];
        packets++;
        pos += 16 + incl;
    }
    printf("packets %llu touched %llu\n", (unsigned long long)packets, (unsigned long long)sum);
    return 0;
}
