/* libFuzzer target for the configuration reader (gw_config_parse(),
 * gateway/config/): the YAML document, the schema table, every value's
 * parser and the checks between keys. The input is the file's content.
 *
 * Besides ASan and UBSan, the target aborts when a promise breaks: a
 * refused file has at least one problem listed; an accepted one prints
 * (gw_config_print(), what --check-config -v shows) to YAML that is
 * accepted again and prints the same. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/log.h"
#include "gateway/config/config.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_config: broken promise: %s (line %d)\n", #cond,      \
			        __LINE__);                                                         \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* The configuration as --check-config -v prints it, in a new string. */
static char *print_of(const gw_config_t *cfg, size_t *len)
{
	char *text = NULL;
	FILE *fp = open_memstream(&text, len);
	if (fp == NULL)
		abort();
	CHECK(gw_config_print(cfg, fp) == GW_OK);
	fclose(fp);
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready) {
		gw_log_set_level(GW_LOG_ERR);
		gw_log_set_stderr(false);
		ready = 1;
	}
	/* An exact copy: ASan sees every read past the file's end. */
	char *text = malloc(size > 0 ? size : 1);
	if (text == NULL)
		abort();
	memcpy(text, data, size);
	gw_config_errors_t errs;
	gw_config_errors_init(&errs);
	gw_config_t *cfg = NULL;
	int ret = gw_config_parse(&cfg, "fuzz.yaml", text, size, &errs);
	free(text);
	if (ret != GW_OK) {
		CHECK(cfg == NULL);
		CHECK(ret == GW_ENOMEM || errs.count > 0);
		gw_config_errors_deinit(&errs);
		return 0;
	}
	gw_config_errors_deinit(&errs);

	size_t len1 = 0, len2 = 0;
	char *p1 = print_of(cfg, &len1);
	gw_config_t *again = NULL;
	gw_config_errors_init(&errs);
	ret = gw_config_parse(&again, "fuzz.yaml", p1, len1, &errs);
	if (ret != GW_OK) {
		for (size_t i = 0; i < errs.count; i++)
			fprintf(stderr, "reparse: %s\n", errs.items[i].text);
		fprintf(stderr, "printed:\n%s\n", p1);
	}
	CHECK(ret == GW_OK);
	char *p2 = print_of(again, &len2);
	if (len1 != len2 || memcmp(p1, p2, len1) != 0)
		fprintf(stderr, "first print:\n%s\nsecond print:\n%s\n", p1, p2);
	CHECK(len1 == len2 && memcmp(p1, p2, len1) == 0);
	free(p1);
	free(p2);
	gw_config_free(again);
	gw_config_free(cfg);
	gw_config_errors_deinit(&errs);
	return 0;
}
