/* Value parsers: domain and key names, addresses, endpoints, prefixes,
 * address-list and NOTIFY entries, sizes, interface names, labels and
 * browse subtypes. Each says what is wrong in why, for report_at(). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldns/ldns.h>

#include "common/error.h"
#include "gateway/config/internal.h"

#define DEFAULT_PORT 53

/* TSIG algorithms: the configuration's word and the name on the wire
 * (RFC 8945 section 6), in gw_tsig_alg_t order. */
static const struct {
	const char *word;
	const char *wire;
} g_tsig_algs[] = {
    {"hmac-sha256", "hmac-sha256."},
    {"hmac-sha384", "hmac-sha384."},
    {"hmac-sha512", "hmac-sha512."},
    {"hmac-sha1", "hmac-sha1."},
};

#define TSIG_ALG_COUNT (sizeof(g_tsig_algs) / sizeof(g_tsig_algs[0]))

int tsig_alg_find(const char *text)
{
	for (size_t a = 0; a < TSIG_ALG_COUNT; a++) {
		if (strcasecmp(text, g_tsig_algs[a].word) == 0 ||
		    strcasecmp(text, g_tsig_algs[a].wire) == 0)
			return (int)a;
	}
	return -1;
}

const char *tsig_alg_word(gw_tsig_alg_t alg)
{
	return g_tsig_algs[(size_t)alg < TSIG_ALG_COUNT ? alg : 0].word;
}

const char *gw_config_tsig_alg_name(gw_tsig_alg_t alg)
{
	if ((size_t)alg >= TSIG_ALG_COUNT)
		return g_tsig_algs[0].wire;
	return g_tsig_algs[alg].wire;
}

/* Dot-separated labels of letters, digits, '-' and '_', each 1 to 63
 * characters: what a user means by a domain or a key name. q is text
 * quoted for messages; what and example name the kind of name in them. */
static bool check_labels(const char *text, const char *q, const char *what, const char *example,
                         char *why, size_t why_len)
{
	size_t label = 0;

	for (const char *p = text; *p != '\0'; p++) {
		char c = *p;
		if (c == '.') {
			if (label == 0) {
				snprintf(why, why_len,
				         "'%s' has an empty label; remove the extra dot, e.g. %s",
				         q, example);
				return false;
			}
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_')) {
			snprintf(why, why_len,
			         "'%s' has the character '%c', not allowed in a %s; use letters, "
			         "digits, '-' and '_' in dot-separated labels, e.g. %s",
			         q, (c >= 0x20 && c < 0x7f) ? c : '?', what, example);
			return false;
		}
		if (++label > 63) {
			snprintf(why, why_len,
			         "'%s' has a label longer than 63 characters; shorten it", q);
			return false;
		}
	}
	return true;
}

bool parse_name(const char *text, uint8_t *wire, size_t *wire_len, char *str, size_t str_len,
                char *why, size_t why_len)
{
	char q[QBUF];
	size_t len = strlen(text);

	quote(q, sizeof(q), text, len);
	if (strcmp(text, ".") == 0) {
		snprintf(why, why_len,
		         "the root zone cannot be the gateway's zone; write the gateway's own "
		         "domain, e.g. home.arpa.");
		return false;
	}
	/* Stricter than DNS: the zone is a host-name-like domain. This catches
	 * URLs, "home.arpa:" and stray spaces before ldns would escape them. */
	if (!check_labels(text, q, "domain", "home.arpa.", why, why_len))
		return false;

	ldns_rdf *rdf = ldns_dname_new_frm_str(text);
	if (rdf == NULL || ldns_rdf_size(rdf) > GW_CONFIG_NAME_MAX || !ldns_dname_absolute(rdf)) {
		ldns_rdf_deep_free(rdf);
		snprintf(why, why_len,
		         "'%s' is not a valid domain name (at most 255 octets on the wire); use "
		         "a shorter name",
		         q);
		return false;
	}
	ldns_dname2canonical(rdf);
	char *out = ldns_rdf2str(rdf);
	bool ok = out != NULL && strlen(out) < str_len;
	if (ok) {
		memcpy(wire, ldns_rdf_data(rdf), ldns_rdf_size(rdf));
		*wire_len = ldns_rdf_size(rdf);
		snprintf(str, str_len, "%s", out);
	} else {
		snprintf(why, why_len, "'%s' could not be converted; use a plain name", q);
	}
	free(out);
	ldns_rdf_deep_free(rdf);
	return ok;
}

bool parse_domain(const char *text, gw_config_t *cfg, char *why, size_t why_len)
{
	return parse_name(text, cfg->zone.domain, &cfg->zone.domain_len, cfg->zone.domain_str,
	                  sizeof(cfg->zone.domain_str), why, why_len);
}

/* Decimal digits only: no sign, no 0x, at most max_digits. */
bool parse_decimal(const char *text, unsigned max_digits, unsigned long *out)
{
	unsigned long v = 0;
	size_t n = 0;

	for (; text[n] != '\0'; n++) {
		if (text[n] < '0' || text[n] > '9' || n >= max_digits)
			return false;
		v = v * 10 + (unsigned long)(text[n] - '0');
	}
	if (n == 0)
		return false;
	*out = v;
	return true;
}

/* Address part of "ADDR@PORT" or of a prefix into a socket address. IPv6
 * may be bracketed when brackets_ok. */
static int parse_ip(const char *text, size_t len, bool brackets_ok, uint8_t *bytes)
{
	char buf[INET6_ADDRSTRLEN + 2];

	if (brackets_ok && len >= 2 && text[0] == '[' && text[len - 1] == ']') {
		text++;
		len -= 2;
		if (len >= sizeof(buf))
			return AF_UNSPEC;
		memcpy(buf, text, len);
		buf[len] = '\0';
		return inet_pton(AF_INET6, buf, bytes) == 1 ? AF_INET6 : AF_UNSPEC;
	}
	if (len >= sizeof(buf))
		return AF_UNSPEC;
	memcpy(buf, text, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, bytes) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, buf, bytes) == 1)
		return AF_INET6;
	return AF_UNSPEC;
}

bool parse_endpoint(const char *text, gw_endpoint_t *ep, char *why, size_t why_len)
{
	char q[QBUF];
	uint8_t bytes[16];
	const char *at = strrchr(text, '@');
	size_t alen = at != NULL ? (size_t)(at - text) : strlen(text);
	unsigned long port = DEFAULT_PORT;

	quote(q, sizeof(q), text, strlen(text));
	int family = parse_ip(text, alen, true, bytes);
	if (family == AF_UNSPEC) {
		/* "ADDR:PORT" is the usual slip; offer the corrected form. */
		const char *colon = strrchr(text, ':');
		unsigned long p;
		if (at == NULL && colon != NULL && parse_decimal(colon + 1, 5, &p) &&
		    parse_ip(text, (size_t)(colon - text), true, bytes) != AF_UNSPEC) {
			snprintf(why, why_len, "'%s' is not ADDR@PORT; write e.g. %.*s@%s", q,
			         (int)(colon - text), text, colon + 1);
		} else {
			snprintf(
			    why, why_len,
			    "'%s' is not ADDR@PORT with an IPv4 or IPv6 address (names are not "
			    "resolved); write e.g. 0.0.0.0@53, ::@53 or [2001:db8::1]@53",
			    q);
		}
		return false;
	}
	if (at != NULL && !parse_decimal(at + 1, 5, &port)) {
		snprintf(why, why_len,
		         "'%s' has port '%s', not a number; write a port from 0 to 65535 after '@' "
		         "(0 picks a free port)",
		         q, at + 1);
		return false;
	}
	if (port > 65535) {
		snprintf(why, why_len,
		         "'%s' has port %lu, out of range; use 0 to 65535 (0 picks a free port)", q,
		         port);
		return false;
	}

	memset(ep, 0, sizeof(*ep));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ep->addr;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		memcpy(&sin->sin_addr, bytes, 4);
		ep->addrlen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ep->addr;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		memcpy(&sin6->sin6_addr, bytes, 16);
		ep->addrlen = sizeof(*sin6);
	}
	return true;
}

static const uint8_t g_v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static void prefix_clear(uint8_t *addr, size_t len, unsigned bits)
{
	for (size_t i = 0; i < len; i++) {
		if (bits >= 8) {
			bits -= 8;
			continue;
		}
		addr[i] &= (uint8_t)(0xff << (8 - bits));
		bits = 0;
	}
}

bool parse_prefix(const char *text, gw_acl_entry_t *e, char *why, size_t why_len)
{
	char q[QBUF];
	const char *slash = strchr(text, '/');
	size_t alen = slash != NULL ? (size_t)(slash - text) : strlen(text);
	unsigned long prefix;

	quote(q, sizeof(q), text, strlen(text));
	memset(e, 0, sizeof(*e));
	e->key = -1;
	e->family = parse_ip(text, alen, false, e->addr);
	if (e->family == AF_UNSPEC) {
		snprintf(why, why_len,
		         "'%s' is not an IP address or prefix (names are not resolved); write e.g. "
		         "192.0.2.1, 192.0.2.0/24 or 2001:db8::/32",
		         q);
		return false;
	}
	unsigned max = e->family == AF_INET ? 32 : 128;
	size_t len = e->family == AF_INET ? 4 : 16;
	prefix = max;
	if (slash != NULL && (!parse_decimal(slash + 1, 3, &prefix) || prefix > max)) {
		snprintf(why, why_len, "'%s' has prefix length '%s'; use a number from 0 to %u", q,
		         slash + 1, max);
		return false;
	}

	uint8_t masked[16];
	memcpy(masked, e->addr, len);
	prefix_clear(masked, len, (unsigned)prefix);
	if (memcmp(masked, e->addr, len) != 0) {
		/* Likely a typo for a host or a different network: say which. */
		char net[INET6_ADDRSTRLEN];
		inet_ntop(e->family, masked, net, sizeof(net));
		snprintf(why, why_len,
		         "'%s' has address bits set past the /%lu prefix; write %s/%lu for the "
		         "network, or the address alone for one host",
		         q, prefix, net, prefix);
		return false;
	}
	e->prefix = (uint8_t)prefix;

	if (e->family == AF_INET6 && e->prefix >= 96 && memcmp(e->addr, g_v4mapped, 12) == 0) {
		memmove(e->addr, e->addr + 12, 4);
		memset(e->addr + 4, 0, 12);
		e->family = AF_INET;
		e->prefix -= 96;
	}
	return true;
}

/* A TSIG key name: a domain name of letters, digits, '-' and '_' (what
 * tsig-keygen and keymgr make), kept absolute and lowercase in out
 * (GW_CONFIG_NAME_STR_MAX bytes). */
bool parse_key_name(const char *text, char *out, char *why, size_t why_len)
{
	char q[QBUF];
	size_t len = strlen(text);

	quote(q, sizeof(q), text, len);
	if (strcmp(text, ".") == 0 || len == 0 || len + 2 > GW_CONFIG_NAME_STR_MAX) {
		snprintf(why, why_len,
		         "'%s' is not a key name; write a name such as xfr or xfr.example.", q);
		return false;
	}
	if (!check_labels(text, q, "key name", "xfr.example.", why, why_len))
		return false;
	for (size_t i = 0; i < len; i++)
		out[i] = (text[i] >= 'A' && text[i] <= 'Z') ? (char)(text[i] - 'A' + 'a') : text[i];
	out[len] = '\0';
	if (out[len - 1] != '.') {
		out[len] = '.';
		out[len + 1] = '\0';
	}
	return true;
}

/* Index of the key called name (any case, final dot optional), or -1. */
static int find_key(const gw_config_t *cfg, const char *name)
{
	char norm[GW_CONFIG_NAME_STR_MAX];
	char why[WHY_MAX];

	if (!parse_key_name(name, norm, why, sizeof(why)))
		return -1;
	for (size_t i = 0; i < cfg->tsig_key_count; i++) {
		if (strcmp(cfg->tsig_keys[i].name, norm) == 0)
			return (int)i;
	}
	return -1;
}

/* Split text at blanks into at most max words (pointers into buf, a copy
 * of text of size len). Returns the number of words, max + 1 when there
 * are more. */
static size_t split_words(const char *text, char *buf, size_t len, char **words, size_t max)
{
	size_t n = 0;

	snprintf(buf, len, "%s", text);
	for (char *p = buf; *p != '\0';) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (*p == '\0')
			break;
		if (n == max)
			return max + 1;
		words[n++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
	}
	return n;
}

/* "key NAME" at words[0..1]: the key's index, or -1 with why set. */
static int parse_key_ref(const gw_config_t *cfg, char **words, char *why, size_t why_len)
{
	char q[QBUF];

	if (strcmp(words[0], "key") != 0) {
		snprintf(why, why_len, "'%s' is not 'key'; write ADDR key NAME",
		         quote(q, sizeof(q), words[0], strlen(words[0])));
		return -1;
	}
	int key = find_key(cfg, words[1]);
	if (key < 0)
		snprintf(why, why_len,
		         "key '%s' is not one of tsig-keys; define it there or fix the name",
		         quote(q, sizeof(q), words[1], strlen(words[1])));
	return key;
}

/* "ADDR[/LEN]", "key NAME" or "ADDR[/LEN] key NAME". */
bool parse_acl_entry(const gw_config_t *cfg, const char *text, gw_acl_entry_t *e, char *why,
                     size_t why_len)
{
	char buf[ACL_TEXT_MAX + 1];
	char *w[3];
	size_t n = split_words(text, buf, sizeof(buf), w, 3);

	if (n == 1)
		return parse_prefix(w[0], e, why, why_len);
	if (n == 2) {
		memset(e, 0, sizeof(*e));
		e->family = AF_UNSPEC;
		e->key = parse_key_ref(cfg, w, why, why_len);
		return e->key >= 0;
	}
	if (n == 3) {
		if (!parse_prefix(w[0], e, why, why_len))
			return false;
		e->key = parse_key_ref(cfg, w + 1, why, why_len);
		return e->key >= 0;
	}
	char q[QBUF];
	snprintf(why, why_len,
	         "'%s' is not ADDR, ADDR/LEN, 'key NAME' or 'ADDR/LEN key NAME'; e.g. "
	         "\"192.0.2.0/24 key xfr\"",
	         quote(q, sizeof(q), text, strlen(text)));
	return false;
}

/* "ADDR[@PORT]" or "ADDR[@PORT] key NAME". */
bool parse_notify(const gw_config_t *cfg, const char *text, gw_notify_target_t *t, char *why,
                  size_t why_len)
{
	char buf[ACL_TEXT_MAX + 1];
	char q[QBUF];
	char *w[3];
	size_t n = split_words(text, buf, sizeof(buf), w, 3);

	quote(q, sizeof(q), text, strlen(text));
	if (n != 1 && n != 3) {
		snprintf(why, why_len,
		         "'%s' is not ADDR@PORT or 'ADDR@PORT key NAME'; e.g. \"192.0.2.53@53 key "
		         "xfr\"",
		         q);
		return false;
	}
	if (!parse_endpoint(w[0], &t->ep, why, why_len))
		return false;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&t->ep.addr;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&t->ep.addr;
	uint16_t port = t->ep.addr.ss_family == AF_INET ? sin->sin_port : sin6->sin6_port;
	if (port == 0) {
		snprintf(why, why_len, "'%s' has port 0; give the port the secondary listens on",
		         q);
		return false;
	}
	t->key = -1;
	if (n == 3) {
		t->key = parse_key_ref(cfg, w + 1, why, why_len);
		return t->key >= 0;
	}
	return true;
}

/* "16M", "512k", "1G" or plain octets. */
bool parse_size(const char *text, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	for (; text[i] >= '0' && text[i] <= '9'; i++) {
		if (v > UINT64_MAX / 10 - 10)
			return false;
		v = v * 10 + (uint64_t)(text[i] - '0');
	}
	if (i == 0)
		return false;
	unsigned shift = 0;
	switch (text[i]) {
	case '\0':
		break;
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	default:
		return false;
	}
	if (text[i] != '\0' && text[i + 1] != '\0')
		return false;
	if (v > (UINT64_MAX >> shift))
		return false;
	*out = v << shift;
	return true;
}

/* What the kernel accepts as a new interface name (dev_valid_name()). */
bool check_ifname(load_ctx_t *ctx, const char *path, const char *text)
{
	char q[QBUF];
	size_t len = strlen(text);

	quote(q, sizeof(q), text, len);
	if (len > GW_CONFIG_IFNAME_MAX) {
		report_at(ctx, path,
		          "'%s' is %zu characters, longer than any interface name (at most %d); "
		          "use the name shown by 'ip link', e.g. eth0",
		          q, len, GW_CONFIG_IFNAME_MAX);
		return false;
	}
	bool ok = strcmp(text, ".") != 0 && strcmp(text, "..") != 0;
	for (size_t i = 0; ok && i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		ok = c > 0x20 && c != 0x7f && c != '/' && c != ':';
	}
	if (!ok)
		report_at(
		    ctx, path,
		    "'%s' is not an interface name (no spaces, '/' or ':'); use the name shown "
		    "by 'ip link', e.g. eth0",
		    q);
	return ok;
}

/* One DNS label of letters, digits and inner hyphens (RFC 1123), lowercased
 * into out (64 bytes). */
bool parse_label(const char *text, char *out)
{
	size_t len = strlen(text);

	if (len == 0 || len > 63 || text[0] == '-' || text[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return false;
		out[i] = c;
	}
	out[len] = '\0';
	return true;
}

#define SUBTYPE_HINT "write <_subtype>._sub.<_service>.<_tcp|_udp>, e.g. _printer._sub._http._tcp"

/* "_sub"-style browse names: <_x>._sub.<_svc>.<_tcp|_udp>, lowercased
 * into out (GW_CONFIG_NAME_STR_MAX bytes). The service label follows RFC
 * 6335 section 5.1; the subtype label is any LDH text with underscores
 * after its leading underscore (RFC 6763 section 7.1 allows more, but
 * subtypes in use look like this). */
bool parse_subtype(const char *text, char *out, char *why, size_t why_len)
{
	char q[QBUF];
	const char *labels[5];
	size_t lens[5];
	size_t count = 0;
	size_t len = strlen(text);

	quote(q, sizeof(q), text, len);
	if (len >= GW_CONFIG_NAME_STR_MAX) {
		snprintf(why, why_len, "'%s' is too long; %s", q, SUBTYPE_HINT);
		return false;
	}
	if (len > 0 && text[len - 1] == '.') {
		snprintf(why, why_len,
		         "'%s' ends in a dot; the name is relative to each link, so write it "
		         "without the final dot",
		         q);
		return false;
	}
	for (const char *p = text; count < 5;) {
		const char *dot = strchr(p, '.');
		labels[count] = p;
		lens[count] = dot != NULL ? (size_t)(dot - p) : strlen(p);
		count++;
		if (dot == NULL)
			break;
		p = dot + 1;
	}
	if (count == 5 || (count == 4 && strchr(labels[3], '.') != NULL)) {
		snprintf(why, why_len,
		         "'%s' has more than four labels; give the type without a domain (no "
		         ".local): %s",
		         q, SUBTYPE_HINT);
		return false;
	}
	if (count == 2) {
		snprintf(why, why_len,
		         "'%s' is a service type, not a subtype; every type is browsed anyway, so "
		         "%s",
		         q, SUBTYPE_HINT);
		return false;
	}
	if (count != 4 || lens[1] != 4 || strncasecmp(labels[1], "_sub", 4) != 0) {
		snprintf(why, why_len, "'%s' is not a subtype name; %s", q, SUBTYPE_HINT);
		return false;
	}
	if (lens[3] != 4 ||
	    (strncasecmp(labels[3], "_tcp", 4) != 0 && strncasecmp(labels[3], "_udp", 4) != 0)) {
		snprintf(why, why_len, "'%s' must end in ._tcp or ._udp; %s", q, SUBTYPE_HINT);
		return false;
	}
	/* subtype label: '_' and 1..62 of letters, digits, '-', '_' */
	bool ok = lens[0] >= 2 && lens[0] <= 63 && labels[0][0] == '_';
	for (size_t i = 1; ok && i < lens[0]; i++) {
		char c = labels[0][i];
		ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		     c == '-' || c == '_';
	}
	if (!ok) {
		snprintf(why, why_len,
		         "'%s' has a bad subtype label '%.*s'; it starts with '_' followed by 1 to "
		         "62 letters, digits, '-' or '_', e.g. _printer",
		         q, (int)lens[0], labels[0]);
		return false;
	}
	/* service label: '_' and 1..15 letters, digits, inner single hyphens,
	 * at least one letter (RFC 6335 section 5.1) */
	const char *svc = labels[2] + 1;
	size_t slen = lens[2] > 0 ? lens[2] - 1 : 0;
	ok =
	    slen >= 1 && slen <= 15 && labels[2][0] == '_' && svc[0] != '-' && svc[slen - 1] != '-';
	bool letter = false;
	for (size_t i = 0; ok && i < slen; i++) {
		char c = svc[i];
		letter |= (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
		ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		     (c == '-' && svc[i + 1] != '-');
	}
	if (!ok || !letter) {
		snprintf(
		    why, why_len,
		    "'%s' has a bad service label '%.*s'; it is '_' and 1 to 15 letters, digits "
		    "and single inner '-' (RFC 6335), e.g. _ipp",
		    q, (int)lens[2], labels[2]);
		return false;
	}
	for (size_t i = 0; i <= len; i++) {
		char c = text[i];
		out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	return true;
}

int gw_config_endpoint_format(const gw_endpoint_t *ep, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];
	int n;

	if (ep->addr.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)&ep->addr;
		inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr));
		n = snprintf(buf, len, "%s@%u", addr, ntohs(sin->sin_port));
	} else if (ep->addr.ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&ep->addr;
		inet_ntop(AF_INET6, &sin6->sin6_addr, addr, sizeof(addr));
		n = snprintf(buf, len, "[%s]@%u", addr, ntohs(sin6->sin6_port));
	} else {
		return GW_EINVAL;
	}
	if (n < 0 || (size_t)n >= len)
		return GW_ESPACE;
	return GW_OK;
}
