/* libFuzzer target for the query reader (gateway/wire.c).
 *
 * Besides letting ASan and UBSan watch every read, it checks what the
 * server relies on and aborts when a promise breaks: an accepted query has
 * its question, OPT, COOKIE and TSIG inside the packet, and a question is
 * never reported half-read, whatever the outcome.
 *
 * Built with -DGW_FUZZ_SEEDGEN instead, this file is a small tool that
 * turns the hex corpus of tests/data/wire/ into the binary seeds libFuzzer
 * reads (see docs/fuzzing.md). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef GW_FUZZ_SEEDGEN

#include "common/error.h"
#include "gateway/query/wire.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_wire: broken promise: %s (line %d)\n", #cond,        \
			        __LINE__);                                                         \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* The question, checked without the reader's code: labels of at most 63
 * octets, no pointer, the root exactly at qname_len, QTYPE and QCLASS
 * inside the packet. */
static void check_question(const gw_query_t *q, const uint8_t *pkt, size_t len)
{
	if (q->qname == NULL) {
		CHECK(q->question_end == 0);
		return;
	}
	CHECK(q->qname == pkt + DNS_HEADER_LEN);
	CHECK(q->qname_len >= 1 && q->qname_len <= DNS_NAME_MAXLEN);
	CHECK(q->question_end == DNS_HEADER_LEN + (size_t)q->qname_len + 4);
	CHECK(q->question_end <= len);
	size_t i = 0;
	while (q->qname[i] != 0) {
		CHECK(q->qname[i] <= 63);
		i += 1 + (size_t)q->qname[i];
		CHECK(i < q->qname_len);
	}
	CHECK(i + 1 == q->qname_len);

	uint8_t lower[DNS_NAME_MAXLEN];
	CHECK(gw_wire_qname_lower(q, lower, sizeof(lower)) == q->qname_len);
	for (i = 0; i < q->qname_len; i++)
		CHECK(lower[i] == q->qname[i] || lower[i] == q->qname[i] + ('a' - 'A'));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gw_query_t q;
	uint8_t rcode = 0xff;
	int ret = gw_wire_parse_query(&q, data, size, &rcode);

	check_question(&q, data, size);
	CHECK(strcmp(gw_wire_reason_str(q.reason), "unknown reason") != 0);
	switch (ret) {
	case GW_OK:
		CHECK(q.qname != NULL && q.reason == GW_WIRE_R_NONE);
		CHECK(rcode == DNS_RCODE_NOERROR || rcode == DNS_RCODE_BADVERS);
		CHECK((rcode == DNS_RCODE_BADVERS) == (q.has_edns && q.edns_version > 0));
		CHECK(q.udp_max >= 512);
		if (q.has_edns) {
			CHECK(q.opt_offset >= q.question_end && q.opt_len >= 11);
			CHECK(q.opt_offset + q.opt_len <= size && data[q.opt_offset] == 0);
		}
		if (q.has_cookie) {
			CHECK(q.has_edns && q.cookie_offset >= q.opt_offset + 15);
			CHECK(q.cookie_offset + q.cookie_len <= q.opt_offset + q.opt_len);
			CHECK(q.cookie_len == 8 || (q.cookie_len >= 16 && q.cookie_len <= 40));
		}
		if (q.has_tsig)
			CHECK(q.tsig_offset >= q.question_end &&
			      q.tsig_offset + q.tsig_len == size);
		break;
	case GW_WIRE_DROP:
		CHECK(q.qname == NULL);
		CHECK(q.reason == GW_WIRE_R_SHORT || q.reason == GW_WIRE_R_RESPONSE);
		break;
	case GW_EINVAL:
		CHECK(rcode == DNS_RCODE_NOTIMP && q.reason == GW_WIRE_R_OPCODE);
		CHECK(q.qname == NULL);
		break;
	case GW_WIRE_COOKIE_ONLY:
		/* Nothing but an OPT with a well-formed COOKIE (RFC 7873 5.4). */
		CHECK(rcode == DNS_RCODE_NOERROR && q.reason == GW_WIRE_R_NONE && q.cookie_only);
		CHECK(q.qname == NULL && q.qdcount == 0 && q.ancount == 0 && q.nscount == 0);
		CHECK(q.has_edns && q.has_cookie && !q.has_tsig);
		CHECK(q.cookie_len == 8 || (q.cookie_len >= 16 && q.cookie_len <= 40));
		CHECK(q.cookie_offset + q.cookie_len <= q.opt_offset + q.opt_len);
		break;
	default:
		CHECK(ret == GW_EMALFORMED && rcode == DNS_RCODE_FORMERR);
		CHECK(q.reason != GW_WIRE_R_NONE && q.reason_offset <= size);
		break;
	}
	/* An OPT found for an error reply (RFC 6891 7) lies in the packet. */
	if (ret != GW_OK && q.has_edns) {
		CHECK(q.opt_offset >= DNS_HEADER_LEN && q.opt_len >= 11);
		CHECK(q.opt_offset + q.opt_len <= size && data[q.opt_offset] == 0);
		CHECK(q.udp_max >= 512);
	}

	/* The reply helpers, as the server uses them after any outcome but
	 * a drop. */
	if (ret != GW_WIRE_DROP) {
		uint8_t hdr[DNS_HEADER_LEN];
		uint16_t flags = gw_wire_reply_flags(&q, rcode);
		CHECK(flags & DNS_FLAG_QR);
		CHECK(gw_wire_write_header(hdr, sizeof(hdr), q.id, flags, q.qname != NULL, 0, 0,
		                           0) == GW_OK);
		CHECK(hdr[0] == data[0] && hdr[1] == data[1]);
	}
	return 0;
}

#else /* GW_FUZZ_SEEDGEN */

#include <dirent.h>

#include "../unit/hex_text.h"

/* The format the unit suites read (hex_text.h). Returns the length, or
 * -1. */
static long hex_to_bin(FILE *in, uint8_t *out, size_t cap)
{
	char line[1024];
	size_t len = 0;
	int hi = -1;

	while (fgets(line, sizeof(line), in) != NULL) {
		if (hex_text_line(line, out, cap, &len, &hi) != 0)
			return -1;
	}
	return hi < 0 ? (long)len : -1;
}

/* fuzz_wire_seeds HEXDIR OUTDIR: HEXDIR/NAME.hex becomes OUTDIR/NAME. */
int main(int argc, char **argv)
{
	static uint8_t buf[65535];
	int status = 1;
	unsigned count = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: %s HEXDIR OUTDIR\n", argv[0]);
		return 2;
	}
	DIR *d = opendir(argv[1]);
	if (d == NULL) {
		perror(argv[1]);
		return 1;
	}
	for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
		size_t n = strlen(e->d_name);
		if (n < 5 || strcmp(e->d_name + n - 4, ".hex") != 0)
			continue;
		char in_path[4096], out_path[4096];
		snprintf(in_path, sizeof(in_path), "%s/%s", argv[1], e->d_name);
		snprintf(out_path, sizeof(out_path), "%s/%.*s", argv[2], (int)(n - 4), e->d_name);
		FILE *in = fopen(in_path, "re");
		if (in == NULL) {
			perror(in_path);
			goto out;
		}
		long len = hex_to_bin(in, buf, sizeof(buf));
		fclose(in);
		if (len < 0) {
			fprintf(stderr, "%s: not a hex packet\n", in_path);
			goto out;
		}
		FILE *outf = fopen(out_path, "we");
		if (outf == NULL) {
			perror(out_path);
			goto out;
		}
		bool written = fwrite(buf, 1, (size_t)len, outf) == (size_t)len;
		if (fclose(outf) != 0 || !written) {
			perror(out_path);
			goto out;
		}
		count++;
	}
	if (count == 0) {
		fprintf(stderr, "%s: no .hex files\n", argv[1]);
		goto out;
	}
	status = 0;
out:
	closedir(d);
	return status;
}

#endif /* GW_FUZZ_SEEDGEN */
