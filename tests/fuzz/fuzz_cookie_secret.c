/* libFuzzer target for the cookie secret file reader and the COOKIE option
 * classifier (gateway/query/cookie.c).
 *
 * The first octet chooses: even, the rest is the content of a secret file
 * for gw_cookie_secret_parse(); odd, the rest is the COOKIE option data of
 * a query for gw_cookie_check() and gw_cookie_make(). Besides ASan and
 * UBSan, the target aborts when a promise breaks: an accepted file is one
 * or two lines of 32 hex digits that print back to what was read, and a
 * classified option has the class its length says. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include "common/error.h"
#include "gateway/query/cookie.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_cookie_secret: broken promise: %s (line %d)\n",      \
			        #cond, __LINE__);                                                  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static bool same_hex(const uint8_t *secret, const char *text)
{
	char hex[3];
	for (size_t i = 0; i < GW_COOKIE_SECRET_LEN; i++) {
		snprintf(hex, sizeof(hex), "%02x", secret[i]);
		if ((text[2 * i] | 0x20) != hex[0] || (text[2 * i + 1] | 0x20) != hex[1])
			return false;
	}
	return true;
}

static void fuzz_parse(const char *text, size_t len)
{
	gw_cookie_secret_t s;
	char why[160];
	why[0] = '\0';
	int ret = gw_cookie_secret_parse(&s, text, len, why, sizeof(why));
	if (ret != GW_OK) {
		CHECK(ret == GW_EPARSE && why[0] != '\0');
		return;
	}
	CHECK(len == 32 || len == 33 || len == 65 || len == 66);
	CHECK(same_hex(s.current, text));
	CHECK(s.has_previous == (len > 33));
	if (s.has_previous)
		CHECK(text[32] == '\n' && same_hex(s.previous, text + 33));
}

static void fuzz_option(const uint8_t *opt, size_t len)
{
	static gw_cookie_t *ck;
	if (ck == NULL) {
		gw_cookie_secret_t s = {
		    .current = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
		    .has_previous = true};
		if (gw_cookie_new(&ck, &s) != GW_OK)
			abort();
	}
	struct sockaddr_in6 c = {.sin6_family = AF_INET6};
	c.sin6_addr.s6_addr[0] = 0x20;
	c.sin6_addr.s6_addr[1] = 0x01;
	gw_cookie_req_t req;
	uint8_t out[GW_COOKIE_REPLY_LEN];
	gw_cookie_class_t cls = gw_cookie_check(ck, len > 0 ? opt : NULL, len,
	                                        (const struct sockaddr *)&c, 1700000000, &req);
	CHECK(cls == req.cls);
	if (len == 0)
		CHECK(cls == GW_COOKIE_NONE);
	else if (len < 8 || (len > 8 && len < 16) || len > 40)
		CHECK(cls == GW_COOKIE_MALFORMED);
	else if (len == 8)
		CHECK(cls == GW_COOKIE_CLIENT_ONLY);
	else
		CHECK(cls == GW_COOKIE_INVALID || (cls == GW_COOKIE_VALID && len == 24));
	int ret = gw_cookie_make(ck, &req, (const struct sockaddr *)&c, 1700000000, out);
	CHECK((ret == GW_OK) == (cls >= GW_COOKIE_CLIENT_ONLY));
	if (ret == GW_OK)
		CHECK(memcmp(out, opt, GW_COOKIE_CLIENT_LEN) == 0 && out[8] == 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	/* An exact copy, so that ASan sees a read one octet past the end. */
	uint8_t *copy = malloc(size - 1 > 0 ? size - 1 : 1);
	if (copy == NULL)
		abort();
	memcpy(copy, data + 1, size - 1);
	if (data[0] & 1)
		fuzz_option(copy, size - 1);
	else
		fuzz_parse((const char *)copy, size - 1);
	free(copy);
	return 0;
}
