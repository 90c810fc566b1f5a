/* Helpers shared by the zones/ unit suites (test_zones.c, test_zone_*.c). */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "common/error.h"
#include "cunit.h"
#include "zones/zone.h"

/* Wire name of an absolute text name. */
static inline const uint8_t *tname(uint8_t *buf, const char *text)
{
	int len = zone_name_from_str(buf, text, NULL);
	CU_ASSERT_FATAL(len > 0);
	return buf;
}

/* An RR from its text form (absolute names). */
static inline ldns_rr *trr(const char *text)
{
	ldns_rr *rr = NULL;
	ldns_status s = ldns_rr_new_frm_str(&rr, text, 3600, NULL, NULL);
	if (s != LDNS_STATUS_OK)
		fprintf(stderr, "cannot parse RR '%s': %s\n", text, ldns_get_errorstr_by_id(s));
	CU_ASSERT_FATAL(s == LDNS_STATUS_OK);
	return rr;
}

/* A zone for apex holding rrs (NULL-terminated). */
static inline zone_t *tzone(const char *apex, const char *const *rrs)
{
	uint8_t name[ZONE_NAME_MAXLEN];
	zone_t *zone = NULL;
	CU_ASSERT_FATAL(zone_new(&zone, tname(name, apex)) == GW_OK);
	for (; rrs != NULL && *rrs != NULL; rrs++) {
		ldns_rr *rr = trr(*rrs);
		int ret = zone_add_rr(zone, rr);
		ldns_rr_free(rr);
		CU_ASSERT_FATAL(ret == GW_OK);
	}
	return zone;
}

/* The zone in text form (caller frees). */
static inline char *tdump(const zone_t *zone)
{
	/* The stream's buffer pointer lives on the heap: GCC's dangling
	 * pointer check takes a local one handed to open_memstream() for the
	 * address of that local. */
	char **text = calloc(1, sizeof(*text));
	size_t len = 0;
	CU_ASSERT_FATAL(text != NULL);
	FILE *fp = open_memstream(text, &len);
	CU_ASSERT_FATAL(fp != NULL);
	CU_ASSERT(zone_dump(zone, fp) == GW_OK);
	fclose(fp);
	char *out = *text;
	free(text);
	return out;
}

/* Path of a file under tests/data/zones (static buffer). */
static inline const char *tdata(const char *file)
{
	static char path[4096];
	const char *dir = getenv("GW_TEST_DATA");
	snprintf(path, sizeof(path), "%s/zones/%s", dir != NULL ? dir : "tests/data", file);
	return path;
}

/* Queue a text RR for addition / removal. */
static inline void tcs_add(zone_changeset_t *cs, const char *text)
{
	CU_ASSERT_FATAL(zone_changeset_add(cs, trr(text)) == GW_OK);
}

static inline void tcs_remove(zone_changeset_t *cs, const char *text)
{
	CU_ASSERT_FATAL(zone_changeset_remove(cs, trr(text)) == GW_OK);
}

/* The RRset (owner, type) of zone, or NULL. */
static inline const zone_rrset_t *trrset(const zone_t *zone, const char *owner, uint16_t type)
{
	uint8_t name[ZONE_NAME_MAXLEN];
	const zone_node_t *node = zone_find(zone, tname(name, owner));
	return node != NULL ? zone_node_rrset(node, type) : NULL;
}
