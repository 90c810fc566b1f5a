/* mdns/label.c and the text forms of names with rich-text labels: wire ->
 * text -> wire gives the same octets, through the escapes of status JSON
 * and logs (mdns_label_name_str) and through the record text the mirror's
 * state file was made of before it held wire records (ldns_rr2str,
 * ldns_rr_new_frm_str; such files are still read). */
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "common/error.h"
#include "cunit.h"
#include "mdns/mdns.h"
#include "zones/zone.h"

static const uint8_t g_domain[] = "\x06"
                                  "campus"
                                  "\x04"
                                  "test";

/* Labels with what DNS text must escape, and what it may leave. */
static const struct {
	const char *label;
	const char *text; /* "<label>.campus.test." as DNS text */
} g_cases[] = {
    {"Building 1", "Building\\0321.campus.test."},
    {"Printer.2nd floor", "Printer\\.2nd\\032floor.campus.test."},
    {"back\\slash", "back\\\\slash.campus.test."},
    {"Biblioth\xc3\xa8que", "Biblioth\\195\\168que.campus.test."},
    {"HP (Room 2); \"a\"", "HP\\032\\(Room\\0322\\)\\;\\032\"a\".campus.test."},
    {"$dollar #hash", "$dollar\\032#hash.campus.test."},
    {"-lan", "-lan.campus.test."},
};

/* [len]label + domain + root. */
static size_t make_name(uint8_t *out, const char *label, const uint8_t *rest, size_t rest_len)
{
	size_t n = strlen(label);
	out[0] = (uint8_t)n;
	memcpy(out + 1, label, n);
	memcpy(out + 1 + n, rest, rest_len);
	return 1 + n + rest_len;
}

static void test_name_text_round_trip(void)
{
	for (size_t i = 0; i < sizeof(g_cases) / sizeof(g_cases[0]); i++) {
		uint8_t wire[ZONE_NAME_MAXLEN];
		uint8_t back[ZONE_NAME_MAXLEN];
		char text[ZONE_NAME_MAXLEN * 4];
		size_t len = make_name(wire, g_cases[i].label, g_domain, sizeof(g_domain));
		CU_ASSERT_EQUAL(mdns_label_name_str(text, sizeof(text), g_cases[i].label, g_domain),
		                GW_OK);
		CU_ASSERT_STRING_EQUAL(text, g_cases[i].text);
		/* the same text as any name shown (zone_name_to_str) */
		char other[ZONE_NAME_MAXLEN * 4];
		CU_ASSERT_EQUAL(zone_name_to_str(other, sizeof(other), wire), GW_OK);
		CU_ASSERT_STRING_EQUAL(other, text);
		/* and back, octet for octet */
		CU_ASSERT_EQUAL(zone_name_from_str(back, text, NULL), (int)len);
		CU_ASSERT_EQUAL(memcmp(back, wire, len), 0);
	}
	char small[8];
	CU_ASSERT_EQUAL(mdns_label_name_str(small, sizeof(small), "Building 1", g_domain),
	                GW_ESPACE);
	CU_ASSERT_EQUAL(mdns_label_name_str(small, sizeof(small), "", g_domain), GW_EINVAL);
}

/* As mirror_state.c saved and still loads a text record: an instance PTR
 * whose names carry such labels in the owner and in the RDATA. */
static void test_record_text_round_trip(void)
{
	for (size_t i = 0; i < sizeof(g_cases) / sizeof(g_cases[0]); i++) {
		for (size_t j = 0; j < sizeof(g_cases) / sizeof(g_cases[0]); j++) {
			uint8_t under[ZONE_NAME_MAXLEN]; /* <link>.campus.test. */
			uint8_t type[ZONE_NAME_MAXLEN];  /* _ipp._tcp.<link>... */
			uint8_t inst[ZONE_NAME_MAXLEN];  /* <instance>._ipp._tcp... */
			size_t ulen =
			    make_name(under, g_cases[i].label, g_domain, sizeof(g_domain));
			size_t tlen = make_name(type, "_ipp", under, 0);
			tlen = make_name(type + 5, "_tcp", under, ulen) + 5;
			size_t ilen = make_name(inst, g_cases[j].label, type, tlen);

			ldns_rr *rr = ldns_rr_new();
			CU_ASSERT_PTR_NOT_NULL_FATAL(rr);
			ldns_rr_set_type(rr, LDNS_RR_TYPE_PTR);
			ldns_rr_set_owner(rr, ldns_dname_new_frm_data((uint16_t)tlen, type));
			ldns_rr_set_ttl(rr, 10);
			ldns_rr_push_rdf(rr, ldns_dname_new_frm_data((uint16_t)ilen, inst));
			char *line = ldns_rr2str(rr);
			CU_ASSERT_PTR_NOT_NULL_FATAL(line);
			ldns_rr *back = NULL;
			CU_ASSERT_EQUAL_FATAL(ldns_rr_new_frm_str(&back, line, 0, NULL, NULL),
			                      LDNS_STATUS_OK);
			const ldns_rdf *o = ldns_rr_owner(back);
			const ldns_rdf *d = ldns_rr_rdf(back, 0);
			CU_ASSERT_EQUAL(ldns_rdf_size(o), tlen);
			CU_ASSERT_EQUAL(memcmp(ldns_rdf_data(o), type, tlen), 0);
			CU_ASSERT_EQUAL(ldns_rdf_size(d), ilen);
			CU_ASSERT_EQUAL(memcmp(ldns_rdf_data(d), inst, ilen), 0);
			ldns_rr_free(back);
			free(line);
			ldns_rr_free(rr);

			/* The instance's own records (SRV, TXT) have it first in
			 * the owner: the label starts the line. */
			rr = ldns_rr_new();
			CU_ASSERT_PTR_NOT_NULL_FATAL(rr);
			ldns_rr_set_type(rr, LDNS_RR_TYPE_PTR);
			ldns_rr_set_owner(rr, ldns_dname_new_frm_data((uint16_t)ilen, inst));
			ldns_rr_set_ttl(rr, 10);
			ldns_rr_push_rdf(rr, ldns_dname_new_frm_data((uint16_t)ulen, under));
			line = ldns_rr2str(rr);
			CU_ASSERT_PTR_NOT_NULL_FATAL(line);
			back = NULL;
			CU_ASSERT_EQUAL_FATAL(ldns_rr_new_frm_str(&back, line, 0, NULL, NULL),
			                      LDNS_STATUS_OK);
			o = ldns_rr_owner(back);
			d = ldns_rr_rdf(back, 0);
			CU_ASSERT_EQUAL(ldns_rdf_size(o), ilen);
			CU_ASSERT_EQUAL(memcmp(ldns_rdf_data(o), inst, ilen), 0);
			CU_ASSERT_EQUAL(ldns_rdf_size(d), ulen);
			CU_ASSERT_EQUAL(memcmp(ldns_rdf_data(d), under, ulen), 0);
			ldns_rr_free(back);
			free(line);
			ldns_rr_free(rr);
		}
	}
}

static void test_label_problems(void)
{
	for (size_t i = 0; i < sizeof(g_cases) / sizeof(g_cases[0]); i++) {
		bool dot = strchr(g_cases[i].label, '.') != NULL;
		/* a dot is the one thing DNS holds that a link label may not */
		CU_ASSERT_EQUAL(mdns_link_label_problem(g_cases[i].label) != NULL, dot);
	}
	CU_ASSERT_PTR_NOT_NULL(mdns_link_label_problem("*"));
	CU_ASSERT_PTR_NOT_NULL(mdns_link_label_problem("@"));
	CU_ASSERT_PTR_NOT_NULL(mdns_link_label_problem("_services"));
	CU_ASSERT_PTR_NOT_NULL(mdns_link_label_problem("a\tb"));
	CU_ASSERT_PTR_NULL(mdns_link_label_problem("a*"));
	CU_ASSERT_PTR_NULL(mdns_link_label_problem("a_b"));
}

int gw_test_register(void)
{
	return gw_test_suite("mdns labels",
	                     (gw_test_t[]){
	                         {"name text round trip", test_name_text_round_trip},
	                         {"record text round trip", test_record_text_round_trip},
	                         {"label problems", test_label_problems},
	                         {NULL, NULL},
	                     });
}
