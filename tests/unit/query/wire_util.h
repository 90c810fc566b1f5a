/* What the strict query reader's suites share (test_wire.c,
 * test_wire_mutations.c): packets in heap blocks of their exact size,
 * ldns-built queries, and the hex corpus of tests/data/wire/. Header-only,
 * included once per test program. */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "common/error.h"
#include "cunit.h"
#include "hex_text.h"
#include "gateway/query/wire.h"

#define MAX_PKT 65535

/* CU_ASSERT with a message naming the case, so a corpus failure says which
 * file broke. CUnit copies the text. */
#define CHECK_MSG(cond, ...)                                                                       \
	do {                                                                                       \
		char msg_[512];                                                                    \
		snprintf(msg_, sizeof(msg_), __VA_ARGS__);                                         \
		CU_assertImplementation((cond) ? CU_TRUE : CU_FALSE, __LINE__, msg_, __FILE__, "", \
		                        CU_FALSE);                                                 \
	} while (0)

/* A packet in a heap block of exactly its length: one octet read past the
 * end is an ASan report. */
static inline uint8_t *exact_copy(const uint8_t *data, size_t len)
{
	uint8_t *p = malloc(len > 0 ? len : 1);
	if (p == NULL)
		abort();
	if (len > 0)
		memcpy(p, data, len);
	return p;
}

typedef struct {
	int ret;
	uint8_t rcode;
	gw_query_t q;
} result_t;

static inline result_t parse(const uint8_t *data, size_t len)
{
	result_t r;
	memset(&r, 0, sizeof(r));
	uint8_t *pkt = exact_copy(data, len);
	r.rcode = 0xff;
	r.ret = gw_wire_parse_query(&r.q, pkt, len, &r.rcode);
	/* The copy is gone: point qname at the same offset in data. */
	r.q.qname = r.q.qname != NULL ? data + (r.q.qname - pkt) : NULL;
	free(pkt);
	return r;
}

static inline ldns_pkt *new_query(const char *name, ldns_rr_type type, uint16_t flags)
{
	ldns_rdf *dname = ldns_dname_new_frm_str(name);
	CU_ASSERT_FATAL(dname != NULL);
	ldns_pkt *pkt = ldns_pkt_query_new(dname, type, LDNS_RR_CLASS_IN, flags);
	CU_ASSERT_FATAL(pkt != NULL);
	ldns_pkt_set_id(pkt, 0xbeef);
	return pkt;
}

/* Wire form of pkt; frees pkt. The caller frees the result. */
static inline uint8_t *to_wire(ldns_pkt *pkt, size_t *len)
{
	uint8_t *wire = NULL;
	ldns_status st = ldns_pkt2wire(&wire, pkt, len);
	ldns_pkt_free(pkt);
	CU_ASSERT_FATAL(st == LDNS_STATUS_OK && wire != NULL);
	return wire;
}

static inline void push_option(ldns_edns_option_list *list, ldns_edns_option_code code, size_t size,
                               const void *data)
{
	ldns_edns_option *opt = ldns_edns_new_from_data(code, size, data);
	CU_ASSERT_FATAL(opt != NULL);
	CU_ASSERT_FATAL(ldns_edns_option_list_push(list, opt));
}

typedef struct {
	uint8_t data[MAX_PKT];
	size_t len;
	char outcome[32];
	char reason[32];
} corpus_pkt_t;

/* Read a hex corpus file (its path shown to 400 octets in err): '#' starts a comment, whitespace
 * separates nothing, and a comment line "# expect: OUTCOME [REASON]" gives the expected result.
 * Returns 0, or -1 with the problem in err. */
static inline int load_hex(const char *path, corpus_pkt_t *p, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "re");
	if (fp == NULL) {
		snprintf(err, errlen, "cannot open %.400s", path);
		return -1;
	}
	char line[1024];
	int ret = -1;
	int hi = -1;
	p->len = 0;
	p->outcome[0] = p->reason[0] = '\0';
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, "# expect:", 9) == 0 &&
		    sscanf(line + 9, "%31s %31s", p->outcome, p->reason) < 1) {
			snprintf(err, errlen, "%.400s: empty expect line", path);
			goto out;
		}
		int bad = hex_text_line(line, p->data, MAX_PKT, &p->len, &hi);
		if (bad < 0) {
			snprintf(err, errlen, "%.400s: more than %d octets", path, MAX_PKT);
			goto out;
		}
		if (bad > 0) {
			snprintf(err, errlen, "%.400s: stray character '%c'", path, bad);
			goto out;
		}
	}
	if (hi >= 0) {
		snprintf(err, errlen, "%.400s: odd number of hex digits", path);
		goto out;
	}
	if (p->outcome[0] == '\0') {
		snprintf(err, errlen, "%.400s: no '# expect:' line", path);
		goto out;
	}
	ret = 0;
out:
	fclose(fp);
	return ret;
}

/* The directory of the corpus (GW_TEST_DATA/wire) into buf. */
static inline const char *corpus_dir(char *buf, size_t len)
{
	const char *data = getenv("GW_TEST_DATA");
	CU_ASSERT_PTR_NOT_NULL_FATAL(data);
	snprintf(buf, len, "%s/wire", data);
	return buf;
}

/* The corpus case name (its file name without .hex) loaded into p, and
 * what the reader makes of it. */
static inline result_t corpus_case(const char *name, corpus_pkt_t *p)
{
	char dir[4096], path[8192], err[512];
	snprintf(path, sizeof(path), "%s/%s.hex", corpus_dir(dir, sizeof(dir)), name);
	int ret = load_hex(path, p, err, sizeof(err));
	CHECK_MSG(ret == 0, "%s", err);
	CU_ASSERT_FATAL(ret == 0);
	return parse(p->data, p->len);
}
