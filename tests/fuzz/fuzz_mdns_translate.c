/* libFuzzer target for the mDNS translation (mdns/translate.c) and the
 * address filter (mdns/filter.c): everything a device on a link controls
 * reaches these functions before anything else looks at it.
 *
 * Input: a control octet, then the data. Control bits 0-1: the rdata type
 * (PTR, SRV, TXT, A or AAAA by the data's length); bits 2-3: min_labels;
 * bit 4: drop_private; bits 5-6: the link suffix (short, one that leaves
 * little room, one that leaves none). The data is used as Avahi's text
 * form of a name, as a wire name when it starts with one, and as rdata.
 *
 * Besides ASan and UBSan, it aborts when a promise the mirror relies on
 * breaks: a translated name is a valid wire name of at most 255 octets
 * that ends with the suffix and never holds a "*" label; a name vetted as
 * a wildcard never translates; a type is never gateway-owned; an
 * IPv4-mapped address is judged as its IPv4 form. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "mdns/mdns.h"
#include "zones/zone.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_mdns_translate: broken promise: %s (line %d)\n",     \
			        #cond, __LINE__);                                                  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static bool has_star(const uint8_t *name)
{
	for (const uint8_t *l = name; *l != 0; l += *l + 1) {
		if (l[0] == 1 && l[1] == '*')
			return true;
	}
	return false;
}

/* out (length len) is a valid name ending with suffix (length slen). */
static void check_translated(const uint8_t *out, int len, const uint8_t *suffix, int slen)
{
	CHECK(len >= slen && len <= MDNS_NAME_MAX);
	CHECK(zone_name_len(out, (size_t)len) == len);
	CHECK(memcmp(out + len - slen, suffix, (size_t)slen) == 0);
	CHECK(!has_star(out));
}

static void suffix_for(uint8_t *sfx, int *slen, unsigned which)
{
	static const char *const text[] = {
	    "lan.home.arpa.",
	    /* 63+63+63+2 labels: names of up to ~60 octets before .local fit */
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
	    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb."
	    "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc.lan.",
	    /* 253 octets: nothing fits under it but the empty name */
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
	    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb."
	    "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc."
	    "ddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd.",
	    "x.",
	};
	*slen = zone_name_from_str(sfx, text[which & 3], NULL);
	CHECK(*slen > 0);
}

static void names(const uint8_t *name, const uint8_t *sfx, int slen, int min_labels)
{
	uint8_t out[MDNS_NAME_MAX];
	mdns_name_kind_t kind = mdns_name_kind(name);
	bool reserved = mdns_name_is_reserved(name);
	if (kind == MDNS_NAME_TYPE || kind == MDNS_NAME_SUBTYPE)
		CHECK(!reserved);
	if (kind != MDNS_NAME_OTHER)
		CHECK(mdns_name_is_local(name));
	bool star = false;
	for (int use = MDNS_USE_TYPE; use <= MDNS_USE_HOST; use++) {
		mdns_vet_t v = mdns_name_vet(name, (mdns_use_t)use);
		CHECK(mdns_vet_str(v) != NULL);
		CHECK((v == MDNS_VET_WILDCARD) == has_star(name));
		star = star || v == MDNS_VET_WILDCARD;
		if (reserved)
			CHECK(v == MDNS_VET_RESERVED || v == MDNS_VET_WILDCARD ||
			      v == MDNS_VET_CONTROL);
	}
	const uint8_t *type = mdns_name_skip(name, 1);
	if (type != NULL)
		(void)mdns_instance_of(name, type);
	int ret = mdns_translate_name(out, name, sfx, min_labels);
	if (ret > 0) {
		CHECK(!star);
		check_translated(out, ret, sfx, slen);
	} else {
		CHECK(ret == GW_EINVAL || ret == GW_EPERM || ret == GW_ELIMIT);
	}
}

static void rdata(uint16_t type, const uint8_t *rd, size_t len, const uint8_t *sfx, int slen,
                  int min_labels)
{
	static uint8_t out[MDNS_RDATA_MAX];
	uint16_t rdlen = len > 0xffff ? 0xffff : (uint16_t)len;
	int ret = mdns_translate_rdata(out, type, rd, rdlen, sfx, min_labels);
	if (ret < 0)
		return;
	if (type == DNS_T_PTR || type == DNS_T_SRV) {
		size_t fixed = type == DNS_T_SRV ? 6 : 0;
		CHECK((size_t)ret > fixed);
		CHECK(memcmp(out, rd, fixed) == 0);
		check_translated(out + fixed, ret - (int)fixed, sfx, slen);
	} else {
		CHECK(ret == rdlen && memcmp(out, rd, rdlen) == 0);
	}
}

static void addresses(const uint8_t *rd, size_t len, bool drop)
{
	uint16_t rdlen = len > 0xffff ? 0xffff : (uint16_t)len;
	bool a = mdns_address_publishable(DNS_T_A, rd, rdlen, drop);
	bool aaaa = mdns_address_publishable(DNS_T_AAAA, rd, rdlen, drop);
	CHECK(!a || rdlen == 4);
	CHECK(!aaaa || rdlen == 16);
	if (rdlen == 4) {
		uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		memcpy(mapped + 12, rd, 4);
		CHECK(mdns_address_publishable(DNS_T_AAAA, mapped, 16, drop) == a);
		/* dropping private ranges only ever removes */
		CHECK(!a || mdns_address_publishable(DNS_T_A, rd, 4, false));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t types[] = {DNS_T_PTR, DNS_T_SRV, DNS_T_TXT, DNS_T_A};
	uint8_t sfx[MDNS_NAME_MAX];
	uint8_t name[MDNS_NAME_MAX];
	int slen;
	if (size < 1)
		return 0;
	unsigned ctl = data[0];
	const uint8_t *rest = data + 1;
	size_t len = size - 1;
	int min_labels = (int)(ctl >> 2 & 3);
	bool drop = ctl & 0x10;
	suffix_for(sfx, &slen, ctl >> 5);

	/* Avahi's text form: NUL-terminated, as avahi-core hands it over. */
	char *text = malloc(len + 1);
	if (text == NULL)
		return 0;
	memcpy(text, rest, len);
	text[len] = '\0';
	int wl = mdns_name_from_text(name, text);
	free(text);
	if (wl > 0) {
		CHECK(wl <= MDNS_NAME_MAX && zone_name_len(name, (size_t)wl) == wl);
		names(name, sfx, slen, min_labels);
	} else {
		CHECK(wl == GW_EMALFORMED || wl == GW_ELIMIT);
	}
	/* A wire name at the start of the data (the mirror only ever sees
	 * valid ones: avahi-core parses them). */
	int nl = zone_name_len(rest, len);
	if (nl > 0)
		names(rest, sfx, slen, min_labels);

	uint16_t type = types[ctl & 3];
	if (type == DNS_T_A && len == 16)
		type = DNS_T_AAAA;
	rdata(type, rest, len, sfx, slen, min_labels);
	addresses(rest, len, drop);
	return 0;
}
