/* The DS records of the zone's keys, for the parent and for resolvers:
 * <state>/ds and trust-anchor.ds (zone file form) and trust-anchor.conf
 * (BIND's trust-anchors clause), rewritten whenever the set of keys
 * whose DS belongs at the parent changes (a rollover's steps), and at a
 * start when they do not hold what they should. Public data, 0644. */
#include "dnssec/dnssec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "common/error.h"
#include "common/file.h"
#include "common/log.h"
#include "dnssec/keystore_internal.h"

typedef struct {
	const sig_keystore_t *ks;
	ldns_rr **ds;   /* one DS per KSK or CSK */
	char **ds_text; /* the same in zone file form, without newline */
	size_t count;
} ds_out_t;

static int write_ds(FILE *fp, const void *arg)
{
	const ds_out_t *d = arg;
	fprintf(fp, "; DS records for %s: publish them at the parent zone\n", d->ks->apex_text);
	for (size_t i = 0; i < d->count; i++)
		fprintf(fp, "%s\n", d->ds_text[i]);
	return ferror(fp) ? GW_EIO : GW_OK;
}

/* BIND 9.18 syntax, for delv -a and named.conf. */
static int write_bind_anchor(FILE *fp, const void *arg)
{
	const ds_out_t *d = arg;
	fprintf(fp, "# Trust anchor for %s (delv -a FILE, or include in named.conf)\n",
	        d->ks->apex_text);
	fprintf(fp, "trust-anchors {\n");
	for (size_t i = 0; i < d->count; i++) {
		const ldns_rr *ds = d->ds[i];
		const ldns_rdf *digest = ldns_rr_rdf(ds, 3);
		fprintf(fp, "\t\"%s\" static-ds %u %u %u \"", d->ks->apex_text,
		        ldns_rdf2native_int16(ldns_rr_rdf(ds, 0)),
		        ldns_rdf2native_int8(ldns_rr_rdf(ds, 1)),
		        ldns_rdf2native_int8(ldns_rr_rdf(ds, 2)));
		for (size_t j = 0; j < ldns_rdf_size(digest); j++)
			fprintf(fp, "%02X", ldns_rdf_data(digest)[j]);
		fprintf(fp, "\";\n");
	}
	fprintf(fp, "};\n");
	return ferror(fp) ? GW_EIO : GW_OK;
}

int sig_keystore_publish_ds(const sig_keystore_t *ks, uint32_t ttl)
{
	int ret = GW_OK;
	ds_out_t d = {.ks = ks};
	char *path = NULL;

	d.ds = calloc(ks->count, sizeof(*d.ds));
	d.ds_text = calloc(ks->count, sizeof(*d.ds_text));
	if (d.ds == NULL || d.ds_text == NULL) {
		ret = GW_ENOMEM;
		goto out;
	}
	/* The DS records the parent should hold: during a rollover both keys'
	 * for a while, so the files (and a resolver's trust anchor) follow. */
	for (size_t i = 0; i < ks->count; i++) {
		if (!(ks->meta[i].use & SIG_USE_DS))
			continue;
		ldns_rr *ds = NULL;
		ret = sig_key_ds_rr(ks->keys[i], ttl, &ds);
		if (ret != GW_OK)
			goto out;
		/* Without comments: ldns would otherwise append a bubblebabble
		 * form that other tools do not expect. */
		char *text = ldns_rr2str_fmt(ldns_output_format_nocomments, ds);
		if (text == NULL) {
			ldns_rr_free(ds);
			ret = GW_ENOMEM;
			goto out;
		}
		size_t len = strlen(text);
		while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
			text[--len] = '\0';
		d.ds[d.count] = ds;
		d.ds_text[d.count++] = text;
	}

	static const struct {
		const char *name;
		gw_file_fill_fn fill;
	} files[] = {
	    {"ds", write_ds},
	    {"trust-anchor.ds", write_ds},
	    {"trust-anchor.conf", write_bind_anchor},
	};
	/* Each file that does not already hold its text (a restart writes
	 * nothing, so a full disk does not stop it); every one tried, the
	 * first error returned, and the DS records logged either way. */
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		path = sig_ks_path_join(ks->state_dir, files[i].name);
		if (path == NULL) {
			ret = GW_ENOMEM;
			goto out;
		}
		/* Public data: readable, so it can be handed to a resolver. */
		int r = gw_file_update_with(path, 0644, files[i].fill, &d, NULL);
		free(path);
		path = NULL;
		if (ret == GW_OK)
			ret = r;
	}
	for (size_t i = 0; i < d.count; i++) {
		/* Spaces rather than the file's tabs, for log viewers. */
		char line[512];
		snprintf(line, sizeof(line), "%s", d.ds_text[i]);
		for (char *c = strchr(line, '\t'); c != NULL; c = strchr(c, '\t'))
			*c = ' ';
		gw_notice("DS for %s (key %u), to publish at the parent: %s", ks->apex_text,
		          ldns_rdf2native_int16(ldns_rr_rdf(d.ds[i], 0)), line);
	}
out:
	for (size_t i = 0; i < d.count; i++) {
		ldns_rr_free(d.ds[i]);
		free(d.ds_text[i]);
	}
	free(d.ds);
	free(d.ds_text);
	free(path);
	return ret;
}
