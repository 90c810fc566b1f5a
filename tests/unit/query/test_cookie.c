/* gateway/query/cookie.c: RFC 9018 server cookies and the secret file.
 *
 * The vectors are the worked examples of RFC 9018 Appendix A (A.1 to A.4:
 * IPv4 and IPv6 clients, a renewal, a cookie with non-zero reserved
 * octets, a secret rolled over), asserted octet for octet. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "cunit.h"
#include "sockaddr_util.h"
#include "gateway/query/cookie.h"

/* RFC 9018 Appendix A. */
#define SECRET_A   "e5e973e5a6b2a43f48e7dc849e37bfcf"
#define SECRET_OLD "dd3bdf9344b678b185a6f5cb60fca715"
#define SECRET_NEW "445536bcd2513298075a5d379663c962"

static size_t unhex(const char *text, uint8_t *out)
{
	size_t n = strlen(text) / 2;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		CU_ASSERT_FATAL(sscanf(text + 2 * i, "%2x", &v) == 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

static gw_cookie_t *keys(const char *current, const char *previous)
{
	gw_cookie_secret_t s;
	memset(&s, 0, sizeof(s));
	unhex(current, s.current);
	if (previous != NULL) {
		unhex(previous, s.previous);
		s.has_previous = true;
	}
	gw_cookie_t *ck = NULL;
	CU_ASSERT_FATAL(gw_cookie_new(&ck, &s) == GW_OK);
	return ck;
}

/* Classify the option given in hex. */
static gw_cookie_class_t check_hex(gw_cookie_t *ck, const char *opt, const char *client,
                                   int64_t now, gw_cookie_req_t *req)
{
	uint8_t buf[64];
	size_t len = unhex(opt, buf);
	return gw_cookie_check(ck, buf, len, test_sa(client), now, req);
}

/* The reply's option data equals want (hex)? */
static void assert_reply(gw_cookie_t *ck, const gw_cookie_req_t *req, const char *client,
                         int64_t now, const char *want)
{
	uint8_t out[GW_COOKIE_REPLY_LEN], exp[GW_COOKIE_REPLY_LEN];
	CU_ASSERT_EQUAL_FATAL(unhex(want, exp), GW_COOKIE_REPLY_LEN);
	CU_ASSERT_EQUAL(gw_cookie_make(ck, req, test_sa(client), now, out), GW_OK);
	CU_ASSERT(memcmp(out, exp, GW_COOKIE_REPLY_LEN) == 0);
}

/* A.1: a client cookie alone gets a fresh server cookie. */
static void test_a1_new_cookie(void)
{
	gw_cookie_t *ck = keys(SECRET_A, NULL);
	gw_cookie_req_t req;
	CU_ASSERT_EQUAL(check_hex(ck, "2464c4abcf10c957", "198.51.100.100", 1559731985, &req),
	                GW_COOKIE_CLIENT_ONLY);
	CU_ASSERT_FALSE(req.reuse);
	assert_reply(ck, &req, "198.51.100.100", 1559731985,
	             "2464c4abcf10c957010000005cf79f111f8130c3eee29480");
	/* The same client on a dual-stack socket: the same cookie. */
	assert_reply(ck, &req, "::ffff:198.51.100.100", 1559731985,
	             "2464c4abcf10c957010000005cf79f111f8130c3eee29480");
	gw_cookie_free(ck);
}

/* A.2: 40 minutes later the cookie is valid and renewed. */
static void test_a2_renewed(void)
{
	gw_cookie_t *ck = keys(SECRET_A, NULL);
	gw_cookie_req_t req;
	CU_ASSERT_EQUAL(check_hex(ck, "2464c4abcf10c957010000005cf79f111f8130c3eee29480",
	                          "198.51.100.100", 1559734385, &req),
	                GW_COOKIE_VALID);
	CU_ASSERT_FALSE(req.reuse); /* over half an hour old */
	assert_reply(ck, &req, "198.51.100.100", 1559734385,
	             "2464c4abcf10c957010000005cf7a871d4a564a1442aca77");
	/* From another address it is not valid. */
	CU_ASSERT_EQUAL(check_hex(ck, "2464c4abcf10c957010000005cf79f111f8130c3eee29480",
	                          "198.51.100.101", 1559734385, &req),
	                GW_COOKIE_INVALID);
	gw_cookie_free(ck);
}

/* A.3: another client's cookie, reserved octets not zero (made by another
 * implementation): its hash covers them and checks; at the time of the
 * example's reply it is 1h52m old, so no longer valid here (RFC 9018 4.3),
 * and the reply is the example's fresh cookie. */
static void test_a3_reserved(void)
{
	const char *query = "fc93fc62807ddb8601abcdef5cf78f71a314227b6679ebf5";
	gw_cookie_t *ck = keys(SECRET_A, NULL);
	gw_cookie_req_t req;
	CU_ASSERT_EQUAL(check_hex(ck, query, "203.0.113.203", 1559727985 + 60, &req),
	                GW_COOKIE_VALID);
	CU_ASSERT_FALSE(req.reuse); /* not with reserved octets set */
	CU_ASSERT_EQUAL(check_hex(ck, query, "203.0.113.203", 1559734700, &req), GW_COOKIE_INVALID);
	assert_reply(ck, &req, "203.0.113.203", 1559734700,
	             "fc93fc62807ddb86010000005cf7a9acf73a7810aca2381e");
	gw_cookie_free(ck);
}

/* A.4: an IPv6 client with a cookie of the old secret, after a rollover. */
static void test_a4_rollover_ipv6(void)
{
	const char *client = "2001:db8:220:1:59de:d0f4:8769:82b8";
	const char *query = "22681ab97d52c298010000005cf7c57926556bd0934c72f8";
	const char *reply = "22681ab97d52c298010000005cf7c609a6bb79d16625507a";
	gw_cookie_req_t req;

	gw_cookie_t *ck = keys(SECRET_NEW, NULL);
	CU_ASSERT_EQUAL(check_hex(ck, query, client, 1559741961, &req), GW_COOKIE_INVALID);
	gw_cookie_free(ck);

	ck = keys(SECRET_NEW, SECRET_OLD);
	CU_ASSERT_EQUAL(check_hex(ck, query, client, 1559741961, &req), GW_COOKIE_VALID);
	CU_ASSERT_FALSE(req.reuse); /* made with the previous secret: renewed */
	assert_reply(ck, &req, client, 1559741961, reply);
	/* The renewed one checks with the current secret. */
	CU_ASSERT_EQUAL(check_hex(ck, reply, client, 1559741961 + 10, &req), GW_COOKIE_VALID);
	CU_ASSERT_TRUE(req.reuse);
	gw_cookie_free(ck);

	/* Before the rollover, 144 s after it was made: valid and echoed. */
	ck = keys(SECRET_OLD, NULL);
	CU_ASSERT_EQUAL(check_hex(ck, query, client, 1559741961, &req), GW_COOKIE_VALID);
	CU_ASSERT_TRUE(req.reuse);
	uint8_t want[GW_COOKIE_REPLY_LEN], out[GW_COOKIE_REPLY_LEN];
	unhex(query, want);
	CU_ASSERT_EQUAL(gw_cookie_make(ck, &req, test_sa(client), 1559741961, out), GW_OK);
	CU_ASSERT(memcmp(out, want, sizeof(out)) == 0);
	gw_cookie_free(ck);
}

/* Lifetime: valid up to an hour old and five minutes ahead, not beyond;
 * echoed under half an hour, renewed from then on. */
static void test_lifetime(void)
{
	const int64_t t = 1700000000;
	gw_cookie_t *ck = keys(SECRET_A, NULL);
	gw_cookie_req_t req;
	uint8_t opt[GW_COOKIE_REPLY_LEN], out[GW_COOKIE_REPLY_LEN];

	CU_ASSERT_EQUAL(check_hex(ck, "0102030405060708", "192.0.2.1", t, &req),
	                GW_COOKIE_CLIENT_ONLY);
	CU_ASSERT_EQUAL(gw_cookie_make(ck, &req, test_sa("192.0.2.1"), t, opt), GW_OK);
	CU_ASSERT_EQUAL(opt[8], 1); /* version */
	CU_ASSERT(opt[9] == 0 && opt[10] == 0 && opt[11] == 0);

	static const struct {
		int64_t offset;
		gw_cookie_class_t cls;
		bool reuse;
	} cases[] = {
	    {0, GW_COOKIE_VALID, true},
	    {GW_COOKIE_RENEW_S - 1, GW_COOKIE_VALID, true},
	    {GW_COOKIE_RENEW_S, GW_COOKIE_VALID, false},
	    {GW_COOKIE_LIFETIME_S, GW_COOKIE_VALID, false},
	    {GW_COOKIE_LIFETIME_S + 1, GW_COOKIE_INVALID, false},
	    {86400, GW_COOKIE_INVALID, false},
	    {-GW_COOKIE_FUTURE_S, GW_COOKIE_VALID, false},
	    {-GW_COOKIE_FUTURE_S - 1, GW_COOKIE_INVALID, false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t now = t + cases[i].offset;
		CU_ASSERT_EQUAL(
		    gw_cookie_check(ck, opt, sizeof(opt), test_sa("192.0.2.1"), now, &req),
		    cases[i].cls);
		CU_ASSERT_EQUAL(req.reuse, cases[i].reuse);
		CU_ASSERT_EQUAL(gw_cookie_make(ck, &req, test_sa("192.0.2.1"), now, out), GW_OK);
		/* Echoed, or fresh: stamped now. */
		uint32_t ts = (uint32_t)out[12] << 24 | (uint32_t)out[13] << 16 |
		              (uint32_t)out[14] << 8 | out[15];
		CU_ASSERT_EQUAL(ts, cases[i].reuse ? (uint32_t)t : (uint32_t)now);
		CU_ASSERT(memcmp(out, opt, 8) == 0);
	}
	/* Serial arithmetic across the 2106 wrap. */
	const int64_t wrap = 0xffffff00LL;
	CU_ASSERT_EQUAL(gw_cookie_make(ck, &req, test_sa("192.0.2.1"), wrap, opt), GW_OK);
	CU_ASSERT_EQUAL(
	    gw_cookie_check(ck, opt, sizeof(opt), test_sa("192.0.2.1"), wrap + 600, &req),
	    GW_COOKIE_VALID);
	gw_cookie_free(ck);
}

/* Cookies that are not ours, or not cookies. */
static void test_not_ours(void)
{
	gw_cookie_t *ck = keys(SECRET_A, NULL);
	gw_cookie_req_t req;
	const char *good = "2464c4abcf10c957010000005cf79f111f8130c3eee29480";
	const int64_t now = 1559731985 + 10;
	uint8_t opt[64];

	CU_ASSERT_EQUAL(check_hex(ck, good, "198.51.100.100", now, &req), GW_COOKIE_VALID);
	/* Each octet of the server cookie counts. */
	for (size_t i = 8; i < GW_COOKIE_REPLY_LEN; i++) {
		unhex(good, opt);
		opt[i] ^= 0x01;
		gw_cookie_class_t cls = gw_cookie_check(ck, opt, GW_COOKIE_REPLY_LEN,
		                                        test_sa("198.51.100.100"), now, &req);
		CU_ASSERT_EQUAL(cls, GW_COOKIE_INVALID);
		CU_ASSERT_FALSE(req.reuse);
	}
	/* And the client cookie. */
	unhex(good, opt);
	opt[0] ^= 0x80;
	CU_ASSERT_EQUAL(
	    gw_cookie_check(ck, opt, GW_COOKIE_REPLY_LEN, test_sa("198.51.100.100"), now, &req),
	    GW_COOKIE_INVALID);
	/* Server cookies of other lengths are someone else's. */
	CU_ASSERT_EQUAL(
	    check_hex(ck, "2464c4abcf10c9570102030405060708", "198.51.100.100", now, &req),
	    GW_COOKIE_INVALID);
	CU_ASSERT_EQUAL(memcmp(req.client, "\x24\x64\xc4\xab\xcf\x10\xc9\x57", 8), 0);
	CU_ASSERT_EQUAL(check_hex(ck,
	                          "2464c4abcf10c957010000005cf79f111f8130c3eee29480"
	                          "0000000000000000",
	                          "198.51.100.100", now, &req),
	                GW_COOKIE_INVALID);
	/* Malformed lengths (RFC 7873 5.2.2) and no option. */
	CU_ASSERT_EQUAL(gw_cookie_check(ck, opt, 7, test_sa("198.51.100.100"), now, &req),
	                GW_COOKIE_MALFORMED);
	CU_ASSERT_EQUAL(gw_cookie_check(ck, opt, 12, test_sa("198.51.100.100"), now, &req),
	                GW_COOKIE_MALFORMED);
	CU_ASSERT_EQUAL(gw_cookie_check(ck, opt, 41, test_sa("198.51.100.100"), now, &req),
	                GW_COOKIE_MALFORMED);
	uint8_t out[GW_COOKIE_REPLY_LEN];
	CU_ASSERT_EQUAL(gw_cookie_make(ck, &req, test_sa("198.51.100.100"), now, out), GW_EINVAL);
	CU_ASSERT_EQUAL(gw_cookie_check(ck, NULL, 0, test_sa("198.51.100.100"), now, &req),
	                GW_COOKIE_NONE);
	CU_ASSERT_EQUAL(gw_cookie_make(ck, &req, test_sa("198.51.100.100"), now, out), GW_EINVAL);
	/* A client of another family has no cookie. */
	struct sockaddr un = {.sa_family = AF_UNIX};
	unhex(good, opt);
	CU_ASSERT_EQUAL(gw_cookie_check(ck, opt, GW_COOKIE_REPLY_LEN, &un, now, &req),
	                GW_COOKIE_INVALID);
	CU_ASSERT_EQUAL(gw_cookie_make(ck, &req, &un, now, out), GW_EINVAL);
	gw_cookie_free(ck);
	gw_cookie_free(NULL);
}

/* ---- the secret file ------------------------------------------------------ */

static char g_dir[64];
static char g_path[128];

static void make_dir(void)
{
	snprintf(g_dir, sizeof(g_dir), "/tmp/gw-cookie-XXXXXX");
	CU_ASSERT_FATAL(mkdtemp(g_dir) != NULL);
	snprintf(g_path, sizeof(g_path), "%s/" GW_COOKIE_SECRET_FILE, g_dir);
}

static void remove_dir(void)
{
	unlink(g_path);
	CU_ASSERT_EQUAL(rmdir(g_dir), 0); /* no temporary file left behind */
}

static void write_file(const char *text, mode_t mode)
{
	unlink(g_path);
	int fd = open(g_path, O_WRONLY | O_CREAT | O_EXCL, mode);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	CU_ASSERT_FATAL(fchmod(fd, mode) == 0);
	close(fd);
}

static void test_secret_created_and_kept(void)
{
	make_dir();
	gw_cookie_secret_t a, b;
	struct stat st;

	CU_ASSERT_EQUAL(gw_cookie_secret_load(&a, g_path), GW_OK);
	CU_ASSERT_FALSE(a.has_previous);
	CU_ASSERT_EQUAL_FATAL(stat(g_path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);
	CU_ASSERT_EQUAL(st.st_size, 33); /* 32 hex digits and a newline */
	/* A restart reads the same secret. */
	CU_ASSERT_EQUAL(gw_cookie_secret_load(&b, g_path), GW_OK);
	CU_ASSERT(memcmp(a.current, b.current, sizeof(a.current)) == 0);
	CU_ASSERT_FALSE(b.has_previous);

	/* A rollover: a new current, the old one kept; cookies of the old
	 * one still check. */
	gw_cookie_t *old = NULL, *rolled = NULL;
	CU_ASSERT_FATAL(gw_cookie_new(&old, &a) == GW_OK);
	gw_cookie_req_t req;
	uint8_t opt[GW_COOKIE_REPLY_LEN];
	gw_cookie_check(old, (const uint8_t *)"abcdefgh", 8, test_sa("2001:db8::5"), 1000000, &req);
	CU_ASSERT_EQUAL(gw_cookie_make(old, &req, test_sa("2001:db8::5"), 1000000, opt), GW_OK);

	CU_ASSERT_EQUAL(gw_cookie_secret_rotate(&b, g_path), GW_OK);
	CU_ASSERT_TRUE(b.has_previous);
	CU_ASSERT(memcmp(b.previous, a.current, sizeof(a.current)) == 0);
	CU_ASSERT(memcmp(b.current, a.current, sizeof(a.current)) != 0);
	gw_cookie_secret_t c;
	CU_ASSERT_EQUAL(gw_cookie_secret_load(&c, g_path), GW_OK);
	CU_ASSERT(memcmp(&c, &b, sizeof(c)) == 0);
	CU_ASSERT_EQUAL_FATAL(stat(g_path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);
	CU_ASSERT_EQUAL(st.st_size, 66);

	CU_ASSERT_FATAL(gw_cookie_new(&rolled, &c) == GW_OK);
	CU_ASSERT_EQUAL(
	    gw_cookie_check(rolled, opt, sizeof(opt), test_sa("2001:db8::5"), 1000100, &req),
	    GW_COOKIE_VALID);
	CU_ASSERT_FALSE(req.reuse);
	gw_cookie_free(old);
	gw_cookie_free(rolled);
	remove_dir();
}

static void test_secret_refused(void)
{
	static const char *bad[] = {
	    "",
	    "e5e973e5a6b2a43f48e7dc849e37bfc\n",                                  /* 31 digits */
	    "e5e973e5a6b2a43f48e7dc849e37bfcf0\n",                                /* 33 digits */
	    "e5e973e5a6b2a43f48e7dc849e37bfcg\n",                                 /* not hex */
	    "e5e973e5a6b2a43f48e7dc849e37bfcf\r\n",                               /* CR */
	    " e5e973e5a6b2a43f48e7dc849e37bfcf\n",                                /* space */
	    "00000000000000000000000000000000\n",                                 /* zeros */
	    "e5e973e5a6b2a43f48e7dc849e37bfcf\n\n",                               /* empty line */
	    "e5e973e5a6b2a43f48e7dc849e37bfcf\ndd3bdf9344b678b185a6f5cb60fca7\n", /* short */
	    ("e5e973e5a6b2a43f48e7dc849e37bfcf\ndd3bdf9344b678b185a6f5cb60fca715\n"
	     "445536bcd2513298075a5d379663c962\n"), /* three */
	};
	gw_cookie_secret_t s;
	make_dir();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(bad[i], 0600);
		CU_ASSERT_EQUAL(gw_cookie_secret_load(&s, g_path), GW_EPARSE);
	}
	/* Readable by others. */
	write_file(SECRET_A "\n", 0644);
	CU_ASSERT_EQUAL(gw_cookie_secret_load(&s, g_path), GW_EPERM);
	write_file(SECRET_A "\n", 0640);
	CU_ASSERT_EQUAL(gw_cookie_secret_load(&s, g_path), GW_EPERM);
	/* Too long to be a secret file. */
	char big[400];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	write_file(big, 0600);
	CU_ASSERT_EQUAL(gw_cookie_secret_load(&s, g_path), GW_EPARSE);
	/* What is accepted: capitals, no final newline, a previous secret. */
	write_file("E5E973E5A6B2A43F48E7DC849E37BFCF", 0600);
	CU_ASSERT_EQUAL(gw_cookie_secret_load(&s, g_path), GW_OK);
	uint8_t want[16];
	unhex(SECRET_A, want);
	CU_ASSERT(memcmp(s.current, want, 16) == 0);
	CU_ASSERT_FALSE(s.has_previous);
	write_file(SECRET_NEW "\n" SECRET_OLD "\n", 0600);
	CU_ASSERT_EQUAL(gw_cookie_secret_load(&s, g_path), GW_OK);
	CU_ASSERT_TRUE(s.has_previous);
	unhex(SECRET_OLD, want);
	CU_ASSERT(memcmp(s.previous, want, 16) == 0);
	/* A directory in its place. */
	unlink(g_path);
	CU_ASSERT_FATAL(mkdir(g_path, 0700) == 0);
	CU_ASSERT_NOT_EQUAL(gw_cookie_secret_load(&s, g_path), GW_OK);
	rmdir(g_path);
	/* A directory that cannot be written: no secret, an error. */
	char missing[200];
	snprintf(missing, sizeof(missing), "%s/no/such/dir/cookie-secret", g_dir);
	CU_ASSERT_EQUAL(gw_cookie_secret_load(&s, missing), -ENOENT);
	remove_dir();
}

int gw_test_register(void)
{
	return gw_test_suite(
	    "cookie",
	    (gw_test_t[]){{"RFC 9018 A.1 new cookie (IPv4)", test_a1_new_cookie},
	                  {"RFC 9018 A.2 renewed (IPv4)", test_a2_renewed},
	                  {"RFC 9018 A.3 reserved octets (IPv4)", test_a3_reserved},
	                  {"RFC 9018 A.4 rollover (IPv6)", test_a4_rollover_ipv6},
	                  {"lifetime, renewal, future", test_lifetime},
	                  {"cookies not ours", test_not_ours},
	                  {"secret file made 0600 and kept", test_secret_created_and_kept},
	                  {"secret file refused", test_secret_refused},
	                  {NULL, NULL}});
}
