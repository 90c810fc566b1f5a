#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/word.h"
#include "zones/internal.h"
#include "zones/zone.h"

#define LABEL_MAXLEN 63

int zone_name_len(const uint8_t *name, size_t maxlen)
{
	size_t pos = 0;

	if (name == NULL)
		return GW_EMALFORMED;
	for (;;) {
		if (pos >= maxlen)
			return GW_EMALFORMED;
		uint8_t len = name[pos];
		if (len == 0)
			return (int)pos + 1;
		/* Also rejects 0xC0 compression pointers and the obsolete
		 * 0x40/0x80 label types. */
		if (len > LABEL_MAXLEN)
			return GW_EMALFORMED;
		pos += 1 + (size_t)len;
		/* The root label still has to fit. */
		if (pos + 1 > ZONE_NAME_MAXLEN)
			return GW_EMALFORMED;
	}
}

int zone_name_labels(const uint8_t *name)
{
	int labels = 0;

	while (*name != 0) {
		labels++;
		name += 1 + *name;
	}
	return labels;
}

int zone_name_lower(uint8_t *out, const uint8_t *name)
{
	int len = zone_name_len(name, ZONE_NAME_MAXLEN);

	/* Length octets are at most 63, below 'A', so lowering every octet
	 * leaves them alone. */
	for (int i = 0; i < len; i++)
		out[i] = gw_lower8(name[i]);
	return len;
}

int zone_name_key(uint8_t *key, const uint8_t *name)
{
	const uint8_t *labels[128];
	int count = 0;
	size_t len = 0;
	const uint8_t *p = name;

	for (; *p != 0; p += 1 + *p)
		labels[count++] = p;
	const uint8_t *end = p + 1;
	while (count-- > 0) {
		const uint8_t *label = labels[count];
		size_t n = label[0];
		size_t i = 1;
		/* Eight octets at a time while they hold no 0x00 or 0x01 (an
		 * octet below 2 borrows in the subtraction); the store may
		 * run past the label, into room the next octets overwrite. */
		while (i <= n && (size_t)(end - (label + i)) >= 8 && len + 8 <= ZONE_KEY_MAXLEN) {
			size_t take = n + 1 - i < 8 ? n + 1 - i : 8;
			uint64_t w = gw_load64le(label + i);
			uint64_t mask = take == 8 ? ~0ULL : ~0ULL >> (64 - 8 * take);
			if (((w - 0x02 * GW_WORD_ONES) & ~w & (0x80 * GW_WORD_ONES) & mask) != 0)
				break;
			gw_store64le(key + len, gw_lower64(w));
			len += take;
			i += take;
		}
		for (; i <= n; i++) {
			uint8_t c = gw_lower8(label[i]);
			/* 0x00 must stay free for the separator, which sorts
			 * a shorter label first; 0x01 escapes keep the order
			 * of 0x00 < 0x01 < 0x02. */
			if (c <= 0x01) {
				key[len++] = 0x01;
				key[len++] = (uint8_t)(c + 1);
			} else {
				key[len++] = c;
			}
		}
		key[len++] = 0x00;
	}
	return (int)len;
}

int zone_name_cmp(const uint8_t *a, const uint8_t *b)
{
	uint8_t ka[ZONE_KEY_MAXLEN];
	uint8_t kb[ZONE_KEY_MAXLEN];
	int alen = zone_name_key(ka, a);
	int blen = zone_name_key(kb, b);

	return zone_key_cmp(ka, (size_t)alen, kb, (size_t)blen);
}

bool zone_name_equal(const uint8_t *a, const uint8_t *b)
{
	int alen = zone_name_len(a, ZONE_NAME_MAXLEN);

	if (alen != zone_name_len(b, ZONE_NAME_MAXLEN))
		return false;
	/* Length octets never fall in 'A'..'Z', so one pass over the whole
	 * name compares the structure and the letters at once. */
	return alen < 0 || gw_octets_equal_ci(a, b, (size_t)alen);
}

bool zone_name_is_subdomain(const uint8_t *name, const uint8_t *parent)
{
	int extra = zone_name_labels(name) - zone_name_labels(parent);

	if (extra < 0)
		return false;
	while (extra-- > 0)
		name += 1 + *name;
	return zone_name_equal(name, parent);
}

int zone_name_to_str(char *buf, size_t len, const uint8_t *name)
{
	int ret = GW_ENOMEM;
	ldns_rdf *rdf = NULL;
	char *text = NULL;
	int name_len = zone_name_len(name, ZONE_NAME_MAXLEN);

	if (len == 0)
		return GW_ESPACE;
	buf[0] = '\0';
	if (name_len < 0)
		return name_len;
	rdf = ldns_dname_new_frm_data((uint16_t)name_len, name);
	if (rdf == NULL)
		goto out;
	text = ldns_rdf2str(rdf);
	if (text == NULL)
		goto out;
	size_t text_len = strlen(text);
	if (text_len >= len) {
		memcpy(buf, text, len - 1);
		buf[len - 1] = '\0';
		ret = GW_ESPACE;
		goto out;
	}
	memcpy(buf, text, text_len + 1);
	ret = GW_OK;
out:
	free(text);
	ldns_rdf_deep_free(rdf);
	return ret;
}

int zone_name_from_str(uint8_t *out, const char *text, const uint8_t *origin)
{
	int ret = GW_EPARSE;
	ldns_rdf *rdf = NULL;
	int origin_len = 0;

	if (text == NULL)
		return GW_EPARSE;
	if (origin != NULL) {
		origin_len = zone_name_len(origin, ZONE_NAME_MAXLEN);
		if (origin_len < 0)
			return GW_EPARSE;
	}
	/* ldns reads "@" as a label of its own. */
	if (strcmp(text, "@") == 0) {
		if (origin == NULL)
			return GW_EPARSE;
		memcpy(out, origin, (size_t)origin_len);
		return origin_len;
	}
	rdf = ldns_dname_new_frm_str(text);
	if (rdf == NULL)
		goto out;
	/* ldns makes every name absolute; a relative one drops that root
	 * label and takes the origin instead. */
	size_t len = ldns_rdf_size(rdf);
	const uint8_t *data = ldns_rdf_data(rdf);
	if (origin != NULL && !ldns_dname_str_absolute(text)) {
		if (len - 1 + (size_t)origin_len > ZONE_NAME_MAXLEN)
			goto out;
		memcpy(out, data, len - 1);
		memcpy(out + len - 1, origin, (size_t)origin_len);
		len = len - 1 + (size_t)origin_len;
	} else {
		if (len > ZONE_NAME_MAXLEN)
			goto out;
		memcpy(out, data, len);
	}
	if (zone_name_len(out, len) != (int)len)
		goto out;
	ret = (int)len;
out:
	ldns_rdf_deep_free(rdf);
	return ret;
}

void zone_type_str(char *buf, size_t len, uint16_t type)
{
	const ldns_rr_descriptor *desc = ldns_rr_descript(type);

	/* ldns answers an unknown type with the descriptor of type 0. */
	if (desc != NULL && desc->_type == type && desc->_name != NULL)
		snprintf(buf, len, "%s", desc->_name);
	else
		snprintf(buf, len, "TYPE%u", (unsigned)type);
}
