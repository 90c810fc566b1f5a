/* Helpers for suites that check RR-level diffs (a commit's zone_rrdiff_t,
 * a journal entry, a transfer): a zone as a sorted list of text lines,
 * and a diff applied to one such list compared with another. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <ldns/ldns.h>

#include "cunit.h"
#include "zone_util.h"

typedef struct lines {
	char **items;
	size_t n, cap;
} lines_t;

static inline int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Append s (taken) to l, unsorted. */
static inline void lines_add(lines_t *l, char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		l->items = realloc(l->items, l->cap * sizeof(*l->items));
		CU_ASSERT_FATAL(l->items != NULL);
	}
	l->items[l->n++] = s;
}

static inline lines_t lines_of(const zone_t *zone)
{
	char *text = tdump(zone);
	lines_t l = {0};
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save))
		lines_add(&l, strdup(line));
	free(text);
	qsort(l.items, l.n, sizeof(*l.items), cmp_str);
	return l;
}

/* An ldns RR as a line of lines_of() (zone_dump's form). Caller frees. */
static inline char *rr_str(const ldns_rr *rr)
{
	char *text = ldns_rr2str(rr);
	text[strcspn(text, "\n")] = '\0';
	return text;
}

static inline void lines_free(lines_t *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

static inline ssize_t lines_find(const lines_t *l, const char *s)
{
	size_t lo = 0, hi = l->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(l->items[mid], s);
		if (c == 0)
			return (ssize_t)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* The text line of the wire RR at data + *pos (as zone_dump writes it);
 * *pos moves past it. Caller frees. */
static inline char *tdiff_line(const uint8_t *data, size_t size, size_t *pos)
{
	ldns_rr *rr = NULL;
	CU_ASSERT_FATAL(ldns_wire2rr(&rr, data, size, pos, LDNS_SECTION_ANSWER) == LDNS_STATUS_OK);
	char *text = ldns_rr2str(rr);
	ldns_rr_free(rr);
	text[strcspn(text, "\n")] = '\0';
	return text;
}

/* Apply a diff (data, size octets: removed RRs then added RRs, wire form,
 * the SOAs first) to before (must hold every RR removed, none added) and
 * compare with after. Returns true when the diff is exact. */
static inline bool tdiff_exact(const uint8_t *data, size_t size, uint32_t nremoved, uint32_t nadded,
                               lines_t *before, const lines_t *after)
{
	CU_ASSERT_FATAL(nremoved > 0 && nadded > 0);
	bool ok = true;
	size_t pos = 0;
	char **removed = calloc(nremoved, sizeof(*removed));
	char **added = calloc(nadded, sizeof(*added));
	for (uint32_t i = 0; i < nremoved; i++)
		removed[i] = tdiff_line(data, size, &pos);
	for (uint32_t i = 0; i < nadded; i++)
		added[i] = tdiff_line(data, size, &pos);
	CU_ASSERT(pos == size);
	CU_ASSERT(strstr(removed[0], "\tSOA\t") != NULL);
	CU_ASSERT(strstr(added[0], "\tSOA\t") != NULL);

	/* The new list: before minus removed plus added. */
	char **next = calloc(before->n + nadded, sizeof(*next));
	size_t nn = 0;
	bool *gone = calloc(before->n + 1, sizeof(*gone));
	for (uint32_t i = 0; i < nremoved; i++) {
		ssize_t k = lines_find(before, removed[i]);
		if (k < 0 || gone[k]) {
			fprintf(stderr, "\n  removed but not in the zone before: %s\n", removed[i]);
			ok = false;
			continue;
		}
		gone[k] = true;
	}
	for (size_t i = 0; i < before->n; i++) {
		if (!gone[i])
			next[nn++] = before->items[i];
	}
	for (uint32_t i = 0; i < nadded; i++) {
		if (lines_find(before, added[i]) >= 0 && !gone[lines_find(before, added[i])]) {
			fprintf(stderr, "\n  added but already in the zone: %s\n", added[i]);
			ok = false;
		}
		next[nn++] = added[i];
	}
	qsort(next, nn, sizeof(*next), cmp_str);
	if (nn != after->n) {
		fprintf(stderr, "\n  %zu RRs after applying the entry, %zu in the zone\n", nn,
		        after->n);
		ok = false;
	}
	for (size_t i = 0; ok && i < nn; i++) {
		if (strcmp(next[i], after->items[i]) != 0) {
			fprintf(stderr, "\n  differs: journal gives '%s', zone has '%s'\n", next[i],
			        after->items[i]);
			ok = false;
		}
	}
	for (uint32_t i = 0; i < nremoved; i++)
		free(removed[i]);
	for (uint32_t i = 0; i < nadded; i++)
		free(added[i]);
	free(removed);
	free(added);
	free(next);
	free(gone);
	return ok;
}
