/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test helper for tests/e2e/keyholder.sh: look into another process.
 *   keyscan scan PID HEX...  count each byte string (HEX, and its bytes
 *                            reversed, as a little-endian bignum keeps it)
 *                            in every readable mapping; prints "HEX N".
 *   keyscan peek PID         try PTRACE_ATTACH and opening /proc/PID/mem;
 *                            prints "attach OK|ERRNO" and "mem OK|ERRNO".
 */
#include "config.h"

#include <sys/ptrace.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Most byte strings looked for in one run. */
#define SCAN_PATTERNS_MAX	16
/* Longest byte string (an Ed25519 seed or an EC scalar is at most 66). */
#define SCAN_PATTERN_MAX	128
/* Bytes read from the target at a time. */
#define SCAN_CHUNK		(1u << 20)
/*
 * Larger mappings are skipped and counted: sanitizer shadow reserves span
 * terabytes of untouched pages that hold no heap data.
 */
#define SCAN_MAPPING_MAX	(1ull << 32)

struct pattern {
	const char	*hex;
	unsigned char	 b[2][SCAN_PATTERN_MAX];
	size_t		 len;
	unsigned long	 hits;
};

static int
unhex(const char *hex, struct pattern *p)
{
	size_t i, n = strlen(hex);
	unsigned int v;

	if (n == 0 || n % 2 != 0 || n / 2 > SCAN_PATTERN_MAX)
		return -1;
	p->len = n / 2;
	for (i = 0; i < p->len; i++) {
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		p->b[0][i] = (unsigned char)v;
		p->b[1][p->len - 1 - i] = (unsigned char)v;
	}
	p->hex = hex;
	return 0;
}

static void
count(const unsigned char *buf, size_t len, struct pattern *pats, int npat)
{
	size_t off;
	int i, j;

	for (i = 0; i < npat; i++)
		for (j = 0; j < 2; j++)
			for (off = 0; off + pats[i].len <= len; off++)
				if (buf[off] == pats[i].b[j][0] &&
				    memcmp(buf + off, pats[i].b[j],
				    pats[i].len) == 0)
					pats[i].hits++;
}

static int
scan(pid_t pid, struct pattern *pats, int npat)
{
	unsigned long long lo, hi, at, skipped = 0;
	unsigned char *buf;
	char path[64], line[512], perms[8];
	size_t keep = SCAN_PATTERN_MAX, got;
	FILE *maps;
	ssize_t n;
	int fd, i;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	if ((maps = fopen(path, "r")) == NULL) {
		perror(path);
		return 1;
	}
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	if ((fd = open(path, O_RDONLY)) == -1) {
		perror(path);
		fclose(maps);
		return 1;
	}
	buf = malloc(SCAN_CHUNK + SCAN_PATTERN_MAX);
	while (fgets(line, sizeof(line), maps) != NULL) {
		if (sscanf(line, "%llx-%llx %7s", &lo, &hi, perms) != 3 ||
		    perms[0] != 'r' || strstr(line, "[vvar") != NULL ||
		    strstr(line, "[vsyscall]") != NULL)
			continue;
		if (hi - lo > SCAN_MAPPING_MAX) {
			skipped++;
			continue;
		}
		/* Chunks overlap by a pattern's length: none is cut in two. */
		got = 0;
		for (at = lo; at < hi; at += SCAN_CHUNK) {
			n = pread(fd, buf + got, hi - at < SCAN_CHUNK ?
			    hi - at : SCAN_CHUNK, (off_t)at);
			if (n <= 0)
				break;
			count(buf, got + (size_t)n, pats, npat);
			got = (size_t)n < keep ? (size_t)n : keep;
			memmove(buf, buf + n - got, got);
		}
	}
	for (i = 0; i < npat; i++)
		printf("%s %lu\n", pats[i].hex, pats[i].hits);
	printf("skipped %llu\n", skipped);
	free(buf);
	close(fd);
	fclose(maps);
	return 0;
}

static int
peek(pid_t pid)
{
	char path[64];
	int fd, st;

	if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) == 0) {
		(void)waitpid(pid, &st, __WALL);
		(void)ptrace(PTRACE_DETACH, pid, NULL, NULL);
		printf("attach OK\n");
	} else
		printf("attach %s\n", strerror(errno));
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	if ((fd = open(path, O_RDONLY)) != -1) {
		close(fd);
		printf("mem OK\n");
	} else
		printf("mem %s\n", strerror(errno));
	return 0;
}

int
main(int argc, char *argv[])
{
	struct pattern pats[SCAN_PATTERNS_MAX];
	int i, npat;

	if (argc == 3 && strcmp(argv[1], "peek") == 0)
		return peek((pid_t)atoi(argv[2]));
	if (argc < 4 || strcmp(argv[1], "scan") != 0 ||
	    argc - 3 > SCAN_PATTERNS_MAX) {
		fprintf(stderr, "usage: keyscan scan PID HEX... | peek PID\n");
		return 2;
	}
	npat = argc - 3;
	memset(pats, 0, sizeof(pats));
	for (i = 0; i < npat; i++) {
		if (unhex(argv[3 + i], &pats[i]) != 0) {
			fprintf(stderr, "keyscan: bad hex %s\n", argv[3 + i]);
			return 2;
		}
	}
	return scan((pid_t)atoi(argv[2]), pats, npat);
}
