/* Deep copies of the dnssec: and transfer: sections: a zone of zones:
 * that gives its own starts from a copy of the top level's, and a reload
 * that keeps the running zones copies theirs. */
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "gateway/config/internal.h"

void dnssec_deinit(gw_dnssec_config_t *d)
{
	if (d == NULL)
		return;
	strings_free(d->import, d->import_count);
	free(d->policy.ds_check);
	d->import = NULL;
	d->import_count = 0;
	d->policy.ds_check = NULL;
	d->policy.ds_check_count = 0;
}

void transfer_deinit(gw_transfer_config_t *t)
{
	if (t == NULL)
		return;
	free(t->allow.entries);
	free(t->notify);
	t->allow = (gw_acl_t){0};
	t->notify = NULL;
	t->notify_count = 0;
}

/* A copy of n entries of size bytes at src; NULL for none. */
static void *copy_array(const void *src, size_t n, size_t size, bool *oom)
{
	if (n == 0)
		return NULL;
	void *p = malloc(n * size);
	if (p == NULL)
		*oom = true;
	else
		memcpy(p, src, n * size);
	return p;
}

int dnssec_copy(gw_dnssec_config_t *dst, const gw_dnssec_config_t *src)
{
	bool oom = false;

	*dst = *src;
	dst->import = NULL;
	dst->import_count = 0;
	dst->policy.ds_check = copy_array(src->policy.ds_check, src->policy.ds_check_count,
	                                  sizeof(*src->policy.ds_check), &oom);
	if (src->import_count > 0 && !oom) {
		dst->import = calloc(src->import_count, sizeof(*dst->import));
		oom = dst->import == NULL;
	}
	for (size_t i = 0; i < src->import_count && !oom; i++) {
		dst->import[i] = strdup(src->import[i]);
		dst->import_count++;
		oom = dst->import[i] == NULL;
	}
	if (oom) {
		dnssec_deinit(dst);
		return GW_ENOMEM;
	}
	return GW_OK;
}

int transfer_copy(gw_transfer_config_t *dst, const gw_transfer_config_t *src)
{
	bool oom = false;

	*dst = *src;
	dst->allow.entries =
	    copy_array(src->allow.entries, src->allow.count, sizeof(*src->allow.entries), &oom);
	dst->notify = copy_array(src->notify, src->notify_count, sizeof(*src->notify), &oom);
	if (oom) {
		transfer_deinit(dst);
		return GW_ENOMEM;
	}
	return GW_OK;
}
