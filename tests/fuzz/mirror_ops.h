/* fuzz_mirror's records: how its input becomes what avahi-core would
 * report (operations 0 to 3 of fuzz_mirror.c): the input read front to
 * back, the label slots, names built from them, types, TTLs and
 * addresses, and record(), which injects one record. Header-only,
 * included once by fuzz_mirror.c. */
#pragma once

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "common/dns.h"
#include "mdns/mdns.h"
#include "mdns/mirror.h"

#define SLOTS 10

/* The input, read front to back; past its end every octet is 0. */
typedef struct input {
	const uint8_t *p;
	size_t left;
} input_t;

static uint8_t next(input_t *in)
{
	if (in->left == 0)
		return 0;
	in->left--;
	return *in->p++;
}

/* A label: len octets of data (1..63). */
typedef struct label {
	uint8_t len;
	uint8_t data[63];
} label_t;

static label_t g_slot[SLOTS];

static void slot_set(int i, const char *text)
{
	g_slot[i].len = (uint8_t)strlen(text);
	memcpy(g_slot[i].data, text, g_slot[i].len);
}

/* The label slots each input starts from: names devices use, and the ones
 * the mirror must refuse. */
static void slots_reset(void)
{
	slot_set(0, "printer");
	slot_set(1, "My Printer");
	slot_set(2, "*");
	slot_set(3, "_sub");
	slot_set(4, "host-1");
	slot_set(5, "a.b");
	slot_set(6, "_dns-sd");
	slot_set(7, "PRINTER");
	slot_set(8, "cut");   /* printer.cut.local: below the delegation */
	slot_set(9, "MOVED"); /* printer.moved.local on lab: below the DNAME */
}

/* Append a label to a wire name under construction (at *len); false when
 * the name would pass 255 octets with its root label. */
static bool put_label(uint8_t *name, size_t *len, const uint8_t *data, size_t n)
{
	if (n == 0 || n > 63 || *len + 1 + n + 1 > 255)
		return false;
	name[(*len)++] = (uint8_t)n;
	memcpy(name + *len, data, n);
	*len += n;
	return true;
}

static bool put_text(uint8_t *name, size_t *len, const char *dotted)
{
	while (*dotted != '\0') {
		const char *dot = strchr(dotted, '.');
		size_t n = dot != NULL ? (size_t)(dot - dotted) : strlen(dotted);
		if (!put_label(name, len, (const uint8_t *)dotted, n))
			return false;
		dotted += n + (dot != NULL);
	}
	return true;
}

static bool put_slot(uint8_t *name, size_t *len, uint8_t which)
{
	const label_t *l = &g_slot[which % SLOTS];
	return put_label(name, len, l->data, l->len);
}

static size_t finish(uint8_t *name, size_t len)
{
	name[len] = 0;
	return len + 1;
}

static const char *const g_types[] = {"_ipp._tcp", "_http._tcp", "_ipps._tcp", "_x._udp"};

/* A service type: one of g_types, or "_" and a slot's label under _tcp. */
static bool put_type(uint8_t *name, size_t *len, uint8_t sel)
{
	if ((sel & 4) == 0)
		return put_text(name, len, g_types[sel & 3]);
	const label_t *l = &g_slot[(sel >> 3) % SLOTS];
	uint8_t t[63] = {'_'};
	size_t n = l->len < 62 ? l->len : 62;
	memcpy(t + 1, l->data, n);
	return put_label(name, len, t, n + 1) && put_text(name, len, "_tcp");
}

/* The host of an SRV or an address record: a slot's label under .local,
 * or now and then a name with two labels or the root. */
static size_t host_name(uint8_t *name, uint8_t sel)
{
	size_t len = 0;
	if (sel == 0xff)
		return finish(name, 0);
	if ((sel & 0x80) != 0 && !put_slot(name, &len, sel >> 4))
		return 0;
	if (!put_slot(name, &len, sel) || !put_text(name, &len, "local"))
		return 0;
	return finish(name, len);
}

/* The instance name <slot>.<type>.local. */
static size_t instance_name(uint8_t *name, uint8_t inst, uint8_t type)
{
	size_t len = 0;
	if (!put_slot(name, &len, inst) || !put_type(name, &len, type) ||
	    !put_text(name, &len, "local"))
		return 0;
	return finish(name, len);
}

static const uint32_t g_ttls[] = {1, 10, 120, 4500, 0x7fffffff, 75, 3600, 2};

/* An address a device may announce: public, private, link-local,
 * loopback, or any. */
static void address(input_t *in, bool v6, uint8_t *out)
{
	static const char *const v4[] = {"192.0.2.10", "10.0.0.1", "169.254.1.1", "127.0.0.1"};
	static const char *const v6s[] = {"2001:db8::10", "fd00::1", "fe80::1", "::1"};
	uint8_t sel = next(in);
	if ((sel & 4) != 0) {
		for (int i = 0; i < (v6 ? 16 : 4); i++)
			out[i] = next(in);
		return;
	}
	if (inet_pton(v6 ? AF_INET6 : AF_INET, v6 ? v6s[sel & 3] : v4[sel & 3], out) != 1)
		abort();
}

static void record(mdns_mirror_t *m, input_t *in)
{
	uint8_t kind = next(in), how = next(in), inst = next(in), type = next(in);
	uint8_t owner[256], rdata[1024];
	size_t olen = 0, rdlen = 0;
	uint16_t rrtype = DNS_T_PTR;

	if (kind % 8 == 7) { /* a response named the type (mdns/heard.c) */
		if (!put_type(owner, &olen, type) || !put_text(owner, &olen, "local"))
			return;
		finish(owner, olen);
		mdns_mirror_inject_type(m, 1 + (how & 3) % 3, owner);
		return;
	}
	switch (kind % 8) {
	case 0: /* browse PTR: <type>.local -> <instance>.<type>.local */
	case 1: /* subtype PTR: _universal._sub._ipp._tcp.local -> ... */
	case 2: /* enumeration PTR: _services._dns-sd._udp.local -> <type>.local */
		if (kind % 8 == 0 && !put_type(owner, &olen, type))
			return;
		if (kind % 8 == 1 && !put_text(owner, &olen, "_universal._sub._ipp._tcp"))
			return;
		if (kind % 8 == 2 && !put_text(owner, &olen, "_services._dns-sd._udp"))
			return;
		if (!put_text(owner, &olen, "local"))
			return;
		olen = finish(owner, olen);
		if (kind % 8 == 2) {
			size_t l = 0;
			if (!put_type(rdata, &l, type) || !put_text(rdata, &l, "local"))
				return;
			rdlen = finish(rdata, l);
		} else {
			rdlen = instance_name(rdata, inst, kind % 8 == 1 ? 0 : type);
		}
		break;
	case 3: { /* SRV at the instance, to a host */
		rrtype = DNS_T_SRV;
		olen = instance_name(owner, inst, type);
		for (int i = 0; i < 6; i++)
			rdata[i] = next(in);
		size_t h = host_name(rdata + 6, next(in));
		rdlen = h > 0 ? 6 + h : 0;
		break;
	}
	case 4: { /* TXT at the instance: strings from the input */
		rrtype = DNS_T_TXT;
		olen = instance_name(owner, inst, type);
		uint8_t strings = next(in) % 4;
		if (strings == 0)
			rdata[rdlen++] = 0; /* no string: one empty string, as Avahi gives it */
		for (uint8_t s = 0; s < strings; s++) {
			uint8_t n = next(in);
			rdata[rdlen++] = n;
			for (uint8_t i = 0; i < n; i++)
				rdata[rdlen++] = next(in);
		}
		break;
	}
	case 5: /* A at a host */
	case 6: /* AAAA at a host */
		rrtype = kind % 8 == 5 ? DNS_T_A : DNS_T_AAAA;
		olen = host_name(owner, inst);
		rdlen = rrtype == DNS_T_A ? 4 : 16;
		address(in, rrtype == DNS_T_AAAA, rdata);
		break;
	}
	if (olen == 0 || rdlen == 0)
		return;
	mdns_record_t rec = {
	    .ifindex = 1 + (how & 3) % 3, /* eth0, eth1, or an interface not mirrored */
	    .family = (how & 4) != 0 ? AF_INET6 : AF_INET,
	    .add = (how & 8) == 0,
	    /* Avahi flushing the interface: the link is gone. */
	    .link_lost = (how & 0x88) == 0x88,
	    .type = rrtype,
	    .ttl = g_ttls[(how >> 4) & 7],
	    .owner = owner,
	    .rdata = rdata,
	    .rdlen = (uint16_t)rdlen,
	};
	mdns_mirror_inject_record(m, &rec);
}
