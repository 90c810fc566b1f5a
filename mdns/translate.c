/* From .local names to names in the unicast zone (RFC 8766 5.3, 5.5):
 * pure functions on wire names, so that every rule is table-tested. */
#include "mdns/mdns.h"

#include <string.h>

#include "common/error.h"
#include "common/str_table.h"
#include "common/utf8.h"

static int lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

static bool label_is(const uint8_t *label, const char *text)
{
	size_t len = strlen(text);
	if (label[0] != len)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (lower(label[1 + i]) != text[i])
			return false;
	}
	return true;
}

/* Length of a valid wire name, and its label count. */
static size_t name_len(const uint8_t *name, int *labels)
{
	size_t pos = 0;
	int n = 0;
	while (name[pos] != 0) {
		pos += (size_t)name[pos] + 1;
		n++;
	}
	if (labels != NULL)
		*labels = n;
	return pos + 1;
}

int mdns_name_from_text(uint8_t *out, const char *text)
{
	size_t pos = 0; /* next free octet in out */
	const char *p = text;

	/* The root alone is not a name the link can give us. */
	if (*p == '\0' || (p[0] == '.' && p[1] == '\0'))
		return GW_EMALFORMED;
	while (*p != '\0') {
		size_t lenpos = pos++;
		size_t llen = 0;
		if (pos >= MDNS_NAME_MAX)
			return GW_ELIMIT;
		while (*p != '\0' && *p != '.') {
			unsigned c = (unsigned char)*p++;
			if (c == '\\') {
				if (p[0] >= '0' && p[0] <= '9') {
					if (!(p[1] >= '0' && p[1] <= '9' && p[2] >= '0' &&
					      p[2] <= '9'))
						return GW_EMALFORMED;
					c = (unsigned)(p[0] - '0') * 100 +
					    (unsigned)(p[1] - '0') * 10 + (unsigned)(p[2] - '0');
					if (c > 255)
						return GW_EMALFORMED;
					p += 3;
				} else if (*p == '\0') {
					return GW_EMALFORMED;
				} else {
					c = (unsigned char)*p++;
				}
			}
			if (llen == MDNS_LABEL_MAX)
				return GW_ELIMIT;
			/* One octet for this one, one for the root label. */
			if (pos + 2 > MDNS_NAME_MAX)
				return GW_ELIMIT;
			out[pos++] = (uint8_t)c;
			llen++;
		}
		if (llen == 0)
			return GW_EMALFORMED;
		out[lenpos] = (uint8_t)llen;
		if (*p == '.') {
			p++;
			if (*p == '\0')
				break; /* a final dot */
		}
	}
	out[pos++] = 0;
	return (int)pos;
}

/* The offset of the last label, or -1 for the root. */
static int last_label(const uint8_t *name)
{
	size_t pos = 0;
	int last = -1;
	while (name[pos] != 0) {
		last = (int)pos;
		pos += (size_t)name[pos] + 1;
	}
	return last;
}

bool mdns_name_is_local(const uint8_t *name)
{
	int last = last_label(name);
	return last >= 0 && label_is(name + last, "local");
}

/* A label "*" makes a wildcard owner where it comes first (RFC 4592 2.1.1),
 * and an empty non-terminal wildcard where it comes later (4592 4.9:
 * "a.*.lan" creates "*.lan", which then answers NODATA for every absent
 * name under lan). Either way a device would decide what absent names
 * mean, so no name with such a label ever enters the zone. */
static bool has_star(const uint8_t *name)
{
	for (const uint8_t *l = name; *l != 0; l += *l + 1) {
		if (l[0] == 1 && l[1] == '*')
			return true;
	}
	return false;
}

int mdns_translate_name(uint8_t *out, const uint8_t *name, const uint8_t *suffix, int min_labels)
{
	int labels = 0;
	name_len(name, &labels);
	int last = last_label(name);
	if (last < 0 || !label_is(name + last, "local") || labels - 1 < min_labels)
		return GW_EINVAL;
	/* Checked here as well as where names are admitted: every owner and
	 * target the mirror writes passes through this function. */
	if (has_star(name))
		return GW_EPERM;
	size_t slen = name_len(suffix, NULL);
	if ((size_t)last + slen > MDNS_NAME_MAX)
		return GW_ELIMIT;
	memmove(out, name, (size_t)last);
	memcpy(out + last, suffix, slen);
	return (int)((size_t)last + slen);
}

bool mdns_name_is_reserved(const uint8_t *name)
{
	const uint8_t *prev = NULL;
	for (const uint8_t *l = name; *l != 0; l += *l + 1) {
		if (prev != NULL && label_is(prev, "_dns-sd") && label_is(l, "_udp"))
			return true;
		prev = l;
	}
	return false;
}

static bool has_control(const uint8_t *label)
{
	for (unsigned i = 1; i <= label[0]; i++) {
		if (label[i] < 0x20 || label[i] == 0x7f)
			return true;
	}
	return false;
}

mdns_vet_t mdns_name_vet(const uint8_t *name, mdns_use_t use)
{
	if (has_star(name))
		return MDNS_VET_WILDCARD;
	/* RFC 6763 4.1.1: instance names MUST NOT hold ASCII control
	 * characters; host and service names are letters, digits and hyphens
	 * in practice. A NUL or a line break would also be cut or split by
	 * every text tool that handles the zone (logs, zone files, the saved
	 * state), so none of them goes anywhere. */
	for (const uint8_t *l = name; *l != 0; l += *l + 1) {
		if (has_control(l))
			return MDNS_VET_CONTROL;
	}
	if (mdns_name_is_reserved(name))
		return MDNS_VET_RESERVED;
	switch (use) {
	case MDNS_USE_INSTANCE:
		/* <x>._sub.<type> are the subtype browse names (RFC 6763 7.1);
		 * an instance "_sub" would put SRV and TXT at their parent. */
		if (label_is(name, "_sub"))
			return MDNS_VET_SUB;
		break;
	case MDNS_USE_HOST:
		/* Underscore labels are DNS-SD's structure (service, protocol,
		 * _sub), never a host name's (RFC 6763 7, RFC 8552): a host
		 * "_ipp._tcp" would put A records at a browse name, a host
		 * "x._ipp._tcp" at an instance. */
		for (const uint8_t *l = name; *l != 0; l += *l + 1) {
			if (l[1] == '_')
				return MDNS_VET_UNDERSCORE;
		}
		break;
	case MDNS_USE_TYPE:
		break;
	}
	return MDNS_VET_OK;
}

/* In the order of mdns_vet_t, which starts at 0. */
static const char *const vet_reasons[] = {
    "",                                                             /* MDNS_VET_OK */
    "a \"*\" label would make a wildcard (RFC 4592)",               /* MDNS_VET_WILDCARD */
    "a control character in a label",                               /* MDNS_VET_CONTROL */
    "it would land on the gateway's _dns-sd._udp names",            /* MDNS_VET_RESERVED */
    "an instance named _sub would sit on the type's subtype names", /* MDNS_VET_SUB */
    "a host label starting with '_' would land on DNS-SD names",    /* MDNS_VET_UNDERSCORE */
};
_Static_assert(sizeof(vet_reasons) / sizeof(vet_reasons[0]) == MDNS_VET_UNDERSCORE + 1,
               "one reason for each mdns_vet_t");

const char *mdns_vet_str(mdns_vet_t v)
{
	return GW_STR_TABLE(vet_reasons, v, "refused");
}

const uint8_t *mdns_name_skip(const uint8_t *name, int n)
{
	for (int i = 0; i < n; i++) {
		if (*name == 0)
			return NULL;
		name += *name + 1;
	}
	return name;
}

/* <_service>.<_tcp|_udp>.local, at p. The service name is text (RFC
 * 6335: letters, digits, hyphens): a label that is not printable UTF-8
 * only reaches us from the reader of raw datagrams, and Avahi would
 * refuse to browse it (and say so, each time). */
static bool is_type(const uint8_t *p)
{
	if (p[0] < 2 || p[1] != '_' || !gw_utf8_printable(p + 1, p[0]))
		return false;
	const uint8_t *proto = p + p[0] + 1;
	if (!label_is(proto, "_tcp") && !label_is(proto, "_udp"))
		return false;
	const uint8_t *local = proto + proto[0] + 1;
	return label_is(local, "local") && local[local[0] + 1] == 0;
}

mdns_name_kind_t mdns_name_kind(const uint8_t *name)
{
	int labels = 0;
	name_len(name, &labels);
	if (labels == 4 && label_is(name, "_services")) {
		const uint8_t *rest = mdns_name_skip(name, 1);
		if (label_is(rest, "_dns-sd") && label_is(mdns_name_skip(rest, 1), "_udp") &&
		    label_is(mdns_name_skip(rest, 2), "local"))
			return MDNS_NAME_SERVICES;
	}
	if (labels == 3 && is_type(name) && !mdns_name_is_reserved(name))
		return MDNS_NAME_TYPE;
	if (labels == 5 && name[0] >= 1 && label_is(mdns_name_skip(name, 1), "_sub")) {
		const uint8_t *base = mdns_name_skip(name, 2);
		if (is_type(base) && !mdns_name_is_reserved(base))
			return MDNS_NAME_SUBTYPE;
	}
	return MDNS_NAME_OTHER;
}

static bool name_equal(const uint8_t *a, const uint8_t *b)
{
	for (;;) {
		if (*a != *b)
			return false;
		if (*a == 0)
			return true;
		for (unsigned i = 1; i <= *a; i++) {
			if (lower(a[i]) != lower(b[i]))
				return false;
		}
		a += *a + 1;
		b += *b + 1;
	}
}

bool mdns_instance_of(const uint8_t *instance, const uint8_t *type)
{
	if (instance[0] == 0)
		return false;
	return name_equal(instance + instance[0] + 1, type);
}

/* A wire name inside rdata, with bounds: its length or -1. */
static int rdata_name_len(const uint8_t *p, size_t avail)
{
	size_t pos = 0;
	while (pos < avail) {
		uint8_t l = p[pos];
		if (l == 0)
			return pos + 1 <= MDNS_NAME_MAX ? (int)(pos + 1) : -1;
		if (l > MDNS_LABEL_MAX)
			return -1;
		pos += (size_t)l + 1;
	}
	return -1;
}

int mdns_translate_rdata(uint8_t *out, uint16_t type, const uint8_t *rdata, uint16_t rdlen,
                         const uint8_t *suffix, int min_labels)
{
	size_t fixed = 0;
	switch (type) {
	case DNS_T_PTR:
		break;
	case DNS_T_SRV:
		fixed = 6; /* priority, weight, port */
		min_labels = 1;
		break;
	default:
		if (rdlen > MDNS_RDATA_MAX)
			return GW_ELIMIT;
		memcpy(out, rdata, rdlen);
		return rdlen;
	}
	if (rdlen < fixed + 1)
		return GW_EMALFORMED;
	int nlen = rdata_name_len(rdata + fixed, rdlen - fixed);
	if (nlen < 0 || fixed + (size_t)nlen != rdlen)
		return GW_EMALFORMED;
	if (mdns_name_is_reserved(rdata + fixed))
		return GW_EPERM;
	memcpy(out, rdata, fixed);
	int ret = mdns_translate_name(out + fixed, rdata + fixed, suffix, min_labels);
	if (ret < 0)
		return ret;
	return (int)fixed + ret;
}

uint32_t mdns_ttl_cap(uint32_t ttl, uint32_t cap)
{
	return ttl < cap ? ttl : cap;
}
