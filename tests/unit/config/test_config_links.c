/* gateway/config/: links[] with rich-text labels (RFC 8766 section 5.3),
 * their browse-domains, what DNS cannot hold, and the mdns.ttl-cap
 * warning. */
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "config_test.h"
#include "cunit.h"
#include "gateway/config/config.h"
#include "mdns/mdns.h"

static void test_labels_accepted(void)
{
	gw_config_t *cfg;
	gw_config_errors_t errs;
	const char *text = "zone: {domain: campus.test.}\n"
	                   "links:\n"
	                   "  - interface: veth-l1\n"
	                   "    subdomain: \"Building 1\"\n"
	                   "    browse-domains: [\"Building 1\", \"@\", other.test., "
	                   "\"Wing\\\\.A.Building 1\"]\n"
	                   "  - {interface: veth-l2, subdomain: Bibliothèque}\n"
	                   "  - {interface: e3, subdomain: \"-lan\"}\n"
	                   "  - {interface: e4, subdomain: \"back\\\\slash \\\"quoted\\\"\"}\n"
	                   "  - {interface: Wlan0}\n";
	int ret = parse_text(text, &cfg, &errs);
	for (size_t i = 0; i < errs.count; i++)
		fprintf(stderr, "\n%s\n", errs.items[i].text);
	CU_ASSERT_EQUAL_FATAL(ret, GW_OK);
	CU_ASSERT_EQUAL(cfg->warning_count, 0);
	CU_ASSERT_EQUAL_FATAL(cfg->link_count, 5);
	CU_ASSERT_STRING_EQUAL(cfg->links[0].subdomain, "Building 1");
	CU_ASSERT_EQUAL_FATAL(cfg->links[0].browse_count, 4);
	CU_ASSERT_STRING_EQUAL(cfg->links[0].browse[0], "Building 1");
	CU_ASSERT_STRING_EQUAL(cfg->links[0].browse[1], "@");
	CU_ASSERT_STRING_EQUAL(cfg->links[0].browse[2], "other.test.");
	CU_ASSERT_STRING_EQUAL(cfg->links[0].browse[3], "Wing\\.A.Building 1");
	CU_ASSERT_STRING_EQUAL(cfg->links[1].subdomain, "Biblioth\xc3\xa8que");
	CU_ASSERT_EQUAL(cfg->links[1].browse_count, 0);
	CU_ASSERT_PTR_NULL(cfg->links[1].browse);
	CU_ASSERT_STRING_EQUAL(cfg->links[2].subdomain, "-lan");
	CU_ASSERT_STRING_EQUAL(cfg->links[3].subdomain, "back\\slash \"quoted\"");
	CU_ASSERT_STRING_EQUAL(cfg->links[4].subdomain, "Wlan0"); /* case kept */
	/* The printed form loads back to the same labels and browse domains. */
	assert_round_trip(cfg);
	gw_config_free(cfg);
	gw_config_errors_deinit(&errs);
}

/* Each case: the file, the line of the problem and what it says. */
static void test_labels_refused(void)
{
	static const struct {
		const char *text;
		unsigned line;
		const char *needle;
	} cases[] = {
	    {"zone: {domain: a}\nlinks:\n  - {interface: e1, subdomain: \"\"}\n", 3, "is empty"},
	    /* 32 two-octet characters: 64 octets */
	    {"zone: {domain: a}\nlinks:\n  - {interface: e1, subdomain: "
	     "\"éééééééééééééééééééééééééééééééé\"}\n",
	     3, "over 63 octets"},
	    {"zone: {domain: a}\nlinks:\n  - {interface: e1, subdomain: \"a\\tb\"}\n", 3,
	     "'a\\x09b' is not one DNS label: it holds a control character"},
	    {"zone: {domain: a}\nlinks:\n  - {interface: e1, subdomain: \"a\\x7fb\"}\n", 3,
	     "control character"},
	    {"zone: {domain: a}\nlinks:\n  - {interface: e1, subdomain: \"*\"}\n", 3,
	     "wildcard to DNS (RFC 4592)"},
	    {"zone: {domain: a}\nlinks:\n  - {interface: e1, subdomain: _printer}\n", 3,
	     "starting with '_' is DNS-SD structure"},
	    {"zone: {domain: a}\nlinks:\n  - {interface: e1, subdomain: \"@\"}\n", 3,
	     "'@' stands for the zone apex"},
	    {"zone: {domain: a}\nlinks:\n  - {interface: e1, subdomain: lan.two}\n", 3,
	     "a dot inside the label"},
	    {"zone: {domain: a}\nlinks:\n  - {interface: _e1}\n", 3,
	     "links[0].interface: '_e1' cannot serve as the subdomain"},
	    {"zone: {domain: a}\nlinks:\n  - {interface: e1, subdomain: Lab}\n"
	     "  - {interface: e2, subdomain: lab}\n",
	     4, "subdomain 'Lab' is already that of interface e1 (DNS ignores case)"},
	    {"zone: {domain: "
	     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
	     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
	     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.}\n"
	     "links:\n  - {interface: e1, subdomain: "
	     "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb}\n",
	     3, "would be over 255 octets"},
	    /* browse-domains */
	    {"zone: {domain: a}\nlinks:\n  - {interface: e1, browse-domains: [\"a..b\"]}\n", 3,
	     "links[0].browse-domains[0]: 'a..b' is not a domain name DNS can hold"},
	    {"zone: {domain: a}\nlinks:\n  - {interface: e1, browse-domains: [x._tcp]}\n", 3,
	     "label '_tcp' cannot be"},
	    {"zone: {domain: a}\nlinks:\n  - {interface: e1, browse-domains: [\"*.x\"]}\n", 3,
	     "label '*' cannot be"},
	    {"zone: {domain: a}\nlinks:\n  - {interface: e1, browse-domains: [\"a\\\\009b\"]}\n", 3,
	     "label 'a\\x09b' cannot be: it holds a control character"},
	    {"zone: {domain: a}\nlinks:\n  - {interface: e1, browse-domains: [Lan, a., lan]}\n", 3,
	     "links[0].browse-domains[2]: 'lan' is the same name as entry 0"},
	    {"zone: {domain: a}\nlinks:\n  - {interface: e1, browse-domains: [\"@\", a.]}\n", 3,
	     "'a.' is the same name as entry 0"},
	    {"zone: {domain: a}\nlinks:\n  - {interface: e1, browse-domains: "
	     "[a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q]}\n",
	     3, "has 17 entries, at most 16 allowed"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		gw_config_t *cfg;
		gw_config_errors_t errs;
		CU_ASSERT_EQUAL(parse_text(cases[i].text, &cfg, &errs), GW_ECONFIG);
		CU_ASSERT_PTR_NULL(cfg);
		const char *text = error_at(&errs, "inline.yaml", cases[i].line);
		if (text == NULL || strstr(text, cases[i].needle) == NULL)
			fprintf(stderr, "\ncase %zu: %s\n", i,
			        errs.count > 0 ? errs.items[0].text : "(no problem reported)");
		CU_ASSERT_PTR_NOT_NULL(text != NULL ? strstr(text, cases[i].needle) : NULL);
		gw_config_free(cfg);
		gw_config_errors_deinit(&errs);
	}
}

/* What YAML cannot carry (it reads UTF-8 only) is still refused. */
static void test_label_problem(void)
{
	CU_ASSERT_PTR_NULL(mdns_link_label_problem("Building 1"));
	CU_ASSERT_PTR_NULL(mdns_link_label_problem("Biblioth\xc3\xa8que"));
	CU_ASSERT_PTR_NULL(mdns_link_label_problem("a\\b\"c(d);@e"));
	CU_ASSERT_PTR_NOT_NULL(strstr(mdns_link_label_problem("a\xff"), "not valid UTF-8"));
	CU_ASSERT_PTR_NOT_NULL(strstr(mdns_link_label_problem("a\xc3"), "not valid UTF-8"));
	CU_ASSERT_PTR_NOT_NULL(strstr(mdns_link_label_problem("\xed\xa0\x80"), "not valid UTF-8"));
	CU_ASSERT_PTR_NOT_NULL(strstr(mdns_link_label_problem(""), "empty"));
	CU_ASSERT_PTR_NOT_NULL(mdns_link_label_problem("a\nb"));
	/* 63 octets of UTF-8 are one label; 64 are not */
	char label[70];
	memset(label, 'x', 63);
	label[63] = '\0';
	CU_ASSERT_PTR_NULL(mdns_link_label_problem(label));
	memcpy(label + 62, "\xc3\xa9", 3); /* 64 octets */
	CU_ASSERT_PTR_NOT_NULL(mdns_link_label_problem(label));
	CU_ASSERT_TRUE(mdns_label_equal("Lab", "lAB"));
	CU_ASSERT_TRUE(mdns_label_equal("Biblioth\xc3\xa8que", "BIBLIOTH\xc3\xa8QUE"));
	/* DNS folds ASCII only: É and é are two labels */
	CU_ASSERT_FALSE(mdns_label_equal("\xc3\xa9", "\xc3\x89"));
	CU_ASSERT_FALSE(mdns_label_equal("lab", "lab2"));
}

static void test_ttl_cap_warning(void)
{
	gw_config_t *cfg;
	gw_config_errors_t errs;
	CU_ASSERT_EQUAL_FATAL(parse_text("zone: {domain: a}\nmdns:\n  ttl-cap: 1m\n", &cfg, &errs),
	                      GW_OK);
	CU_ASSERT_EQUAL(errs.count, 0);
	CU_ASSERT_EQUAL(cfg->mdns.ttl_cap, 60);
	CU_ASSERT_EQUAL_FATAL(cfg->warning_count, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(cfg->warnings[0], "inline.yaml:3:12: mdns.ttl-cap: warning: "
	                                                "60 s is above the 10 s of RFC 8766"));
	gw_config_free(cfg);
	gw_config_errors_deinit(&errs);

	/* 10 s and below: no word */
	CU_ASSERT_EQUAL_FATAL(parse_text("zone: {domain: a}\nmdns:\n  ttl-cap: 10s\n", &cfg, &errs),
	                      GW_OK);
	CU_ASSERT_EQUAL(cfg->warning_count, 0);
	gw_config_free(cfg);
	gw_config_errors_deinit(&errs);
	CU_ASSERT_EQUAL_FATAL(parse_text("zone: {domain: a}\n", &cfg, &errs), GW_OK);
	CU_ASSERT_EQUAL(cfg->warning_count, 0);
	gw_config_free(cfg);
	gw_config_errors_deinit(&errs);

	/* A file with a problem fails as before; the warning does not add one. */
	CU_ASSERT_EQUAL(
	    parse_text("zone: {domain: a}\nmdns:\n  ttl-cap: 1h\n  ipv4: maybe\n", &cfg, &errs),
	    GW_ECONFIG);
	CU_ASSERT_EQUAL(errs.count, 1);
	gw_config_errors_deinit(&errs);
}

/* A reload sees a change of browse domains, or of a label's case (the
 * published names change with it), as a change of links (applied live). */
static void test_links_diff(void)
{
	static const char *const texts[] = {
	    "zone: {domain: a}\nlinks: [{interface: e1, subdomain: Lab}]\n",
	    "zone: {domain: a}\nlinks: [{interface: e1, subdomain: lab}]\n",
	    "zone: {domain: a}\nlinks: [{interface: e1, subdomain: Lab, browse-domains: [Lab]}]\n",
	    ("zone: {domain: a}\nlinks: [{interface: e1, subdomain: Lab, browse-domains: [Lab, "
	     "\"@\"]}]\n"),
	};
	gw_config_t *cfg[4];
	gw_config_errors_t errs;
	for (size_t i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL_FATAL(parse_text(texts[i], &cfg[i], &errs), GW_OK);
		gw_config_errors_deinit(&errs);
	}
	for (size_t i = 1; i < 4; i++) {
		gw_config_diff_t d;
		CU_ASSERT_EQUAL_FATAL(gw_config_diff(cfg[i - 1], cfg[i], &d), GW_OK);
		CU_ASSERT_EQUAL(d.count, 1);
		CU_ASSERT_TRUE(gw_config_diff_has(&d, "links"));
		CU_ASSERT_EQUAL(d.restart, 0);
	}
	for (size_t i = 0; i < 4; i++)
		gw_config_free(cfg[i]);
}

int gw_test_register(void)
{
	return gw_test_suite("config links", (gw_test_t[]){
	                                         {"labels accepted", test_labels_accepted},
	                                         {"labels refused", test_labels_refused},
	                                         {"label problems", test_label_problem},
	                                         {"ttl-cap warning", test_ttl_cap_warning},
	                                         {"reload sees links change", test_links_diff},
	                                         {NULL, NULL},
	                                     });
}
