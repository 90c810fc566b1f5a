/* What a reload changes: the keys whose values differ between the
 * configuration in force and a new one, each either applied live or
 * needing a restart (the schema table's CFG_LIVE), and the new
 * configuration made to keep the values in force of the latter. */
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "gateway/config/internal.h"

/* A key's value as text: what --check-config -v prints of it. Two values
 * that print the same load the same, so they are the same value. */
static char *value_text(const gw_config_t *cfg, const cfg_key_t *key, size_t *len)
{
	char *text = NULL;
	FILE *fp = open_memstream(&text, len);
	if (fp == NULL)
		return NULL;
	key->type->print(fp, cfg, key, 0);
	if (fclose(fp) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* A key file prints as its path: the secrets it held are compared too. */
static bool same_secrets(const gw_config_t *a, const gw_config_t *b)
{
	if (a->tsig_key_count != b->tsig_key_count)
		return false;
	for (size_t i = 0; i < a->tsig_key_count; i++) {
		if (strcmp(a->tsig_keys[i].secret, b->tsig_keys[i].secret) != 0)
			return false;
	}
	return true;
}

static int key_same(const gw_config_t *a, const gw_config_t *b, const cfg_key_t *key, bool *same)
{
	size_t alen = 0, blen = 0;
	char *at = value_text(a, key, &alen);
	char *bt = value_text(b, key, &blen);
	int ret = at != NULL && bt != NULL ? GW_OK : GW_ENOMEM;
	if (ret == GW_OK)
		*same = alen == blen && memcmp(at, bt, alen) == 0 &&
		        (key->type != &g_type_tsig_keys || same_secrets(a, b));
	if (at != NULL)
		memset(at, 0, alen); /* may hold a secret */
	if (bt != NULL)
		memset(bt, 0, blen);
	free(at);
	free(bt);
	return ret;
}

static int diff_map(const gw_config_t *a, const gw_config_t *b, const cfg_key_t *keys,
                    const char *path, gw_config_diff_t *out)
{
	for (const cfg_key_t *key = keys; key->name != NULL; key++) {
		char child[PLACE_PATH_MAX];
		path_join(child, path, key->name);
		int ret;
		if (key->type->shape == SHAPE_MAP) {
			ret = diff_map(a, b, key->keys, child, out);
			if (ret != GW_OK)
				return ret;
			continue;
		}
		bool same = true;
		ret = key_same(a, b, key, &same);
		if (ret != GW_OK)
			return ret;
		if (same)
			continue;
		if (out->count == GW_CONFIG_CHANGES_MAX)
			return GW_ESPACE; /* the table outgrew the limit: a build-time mistake */
		gw_config_change_t *c = &out->items[out->count++];
		snprintf(c->key, sizeof(c->key), "%s", child);
		c->live = (key->flags & CFG_LIVE) != 0;
		out->restart += !c->live;
	}
	return GW_OK;
}

int gw_config_diff(const gw_config_t *cur, const gw_config_t *next, gw_config_diff_t *out)
{
	memset(out, 0, sizeof(*out));
	return diff_map(cur, next, g_config_keys, "", out);
}

bool gw_config_diff_has(const gw_config_diff_t *d, const char *key)
{
	for (size_t i = 0; i < d->count; i++) {
		if (strcmp(d->items[i].key, key) == 0)
			return true;
	}
	return false;
}

size_t gw_config_diff_list(const gw_config_diff_t *d, bool live, char *buf, size_t len)
{
	size_t n = 0, used = 0;
	if (len > 0)
		buf[0] = '\0';
	for (size_t i = 0; i < d->count; i++) {
		if (d->items[i].live != live)
			continue;
		if (used < len) {
			int w = snprintf(buf + used, len - used, "%s%s", n > 0 ? ", " : "",
			                 d->items[i].key);
			used += w > 0 ? (size_t)w : 0;
		}
		n++;
	}
	return n;
}

static int keep_map(gw_config_t *next, const gw_config_t *cur, const cfg_key_t *keys,
                    const char *path, const gw_config_diff_t *d)
{
	for (const cfg_key_t *key = keys; key->name != NULL; key++) {
		char child[PLACE_PATH_MAX];
		path_join(child, path, key->name);
		int ret = GW_OK;
		if (key->type->shape == SHAPE_MAP) {
			ret = keep_map(next, cur, key->keys, child, d);
		} else if (!(key->flags & CFG_LIVE) && gw_config_diff_has(d, child)) {
			if (key->type->copy != NULL)
				ret = key->type->copy(next, cur, key);
			else if (key->type->free == NULL && key->size > 0)
				memcpy(cfg_field(next, key), cfg_field(cur, key), key->size);
			else
				ret = GW_EINVAL;
		}
		if (ret != GW_OK)
			return ret;
	}
	return GW_OK;
}

int gw_config_keep_restart(gw_config_t *next, const gw_config_t *cur, const gw_config_diff_t *d)
{
	int ret = keep_map(next, cur, g_config_keys, "", d);
	/* next->zones was made from next's zone:, state-dir, dnssec: and
	 * transfer:, some of which now hold their running values again. */
	if (ret == GW_OK)
		ret = config_zones_rebuild(next);
	return ret;
}
