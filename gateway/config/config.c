/* Loading a configuration: the file, its document, the defaults of the
 * schema table, the checks of every key the file gives. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "common/file.h"
#include "gateway/config/internal.h"

void gw_config_free(gw_config_t *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->source);
	free(cfg->secret_group_file);
	for (size_t i = 0; i < cfg->warning_count; i++)
		free(cfg->warnings[i]);
	free(cfg->warnings);
	config_zones_free(cfg);
	schema_free(cfg);
	free(cfg);
}

int gw_config_default(gw_config_t **out)
{
	gw_config_t *cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL)
		return GW_ENOMEM;
	int ret = schema_defaults(cfg);
	if (ret == GW_OK)
		ret = config_zones_single(cfg);
	if (ret != GW_OK) {
		gw_config_free(cfg);
		return ret;
	}
	*out = cfg;
	return GW_OK;
}

int gw_config_parse(gw_config_t **out, const char *name, const char *data, size_t len,
                    gw_config_errors_t *errs)
{
	gw_config_errors_t local;
	load_ctx_t *ctx = NULL;
	raw_map_t *raw = NULL;
	gw_config_t *cfg = NULL;
	int ret = GW_ENOMEM;

	gw_config_errors_init(&local);
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL)
		goto out;
	ctx->sink.errs = errs != NULL ? errs : &local;
	ctx->sink.base = ctx->sink.errs->count;
	ctx->sink.name = name;
	schema_build(&ctx->schema);

	if (len > GW_CONFIG_FILE_MAX) {
		sink_add(&ctx->sink, 0, 0,
		         "%zu bytes, larger than the %d-byte limit; a configuration is a few "
		         "kilobytes: check that this is the right file",
		         len, GW_CONFIG_FILE_MAX);
		ret = GW_ECONFIG;
		goto out;
	}
	ret = document_load(ctx, data, len);
	if (ret == GW_OK)
		ret = document_read_raw(ctx, data, len, &raw);
	if (ret != GW_OK)
		goto out;

	ret = gw_config_default(&cfg);
	if (ret != GW_OK)
		goto out;
	cfg->source = strdup(name);
	if (cfg->source == NULL) {
		ret = GW_ENOMEM;
		goto out;
	}
	if (raw != NULL)
		schema_check(ctx, cfg, raw);
	if (ctx->sink.oom)
		ret = GW_ENOMEM;
	else if (ctx->sink.failed)
		ret = GW_ECONFIG;
	else if (!cfg->zone_list)
		ret = config_zones_single(cfg);
	else
		ret = GW_OK;
	if (ret == GW_OK) {
		cfg->secret_group_file = ctx->shared_path;
		cfg->secret_group = ctx->shared_gid;
		ctx->shared_path = NULL;
		*out = cfg;
		cfg = NULL;
	}
out:
	gw_config_free(cfg);
	if (ctx != NULL) {
		free(ctx->shared_path);
		document_free_raw(ctx, raw);
		document_deinit(ctx);
		free(ctx);
	}
	log_errors(&local);
	gw_config_errors_deinit(&local);
	return ret;
}

/* The file at path, at most GW_CONFIG_FILE_MAX octets (gw_file_read_stream_private():
 * refused by its size first, and a pipe, whose size is 0, read up to one
 * octet past the limit). regular_only: only a regular file, checked on
 * the open file and without waiting for a writer (a reload reads on the
 * loop); else a FIFO too (the start: `-c <(...)`), whose open waits. */
static int read_file(sink_t *sink, const char *path, bool regular_only, char **out, size_t *out_len)
{
	int fd = -1;
	FILE *fp = NULL;
	struct stat st;
	char hint[96];
	int ret = regular_only ? gw_file_open_regular(path, 0, &fd, &st)
	                       : gw_file_open_regular_or_fifo(path, &fd, &st);
	if (ret == GW_ENOTFILE) {
		if (S_ISDIR(st.st_mode))
			sink_add(sink, 0, 0, "is a directory; give the path of the YAML file");
		else if (regular_only)
			sink_add(
			    sink, 0, 0,
			    "is not a regular file (a FIFO, a device or a directory); a reload "
			    "reads the configuration only from a regular file");
		else
			sink_add(
			    sink, 0, 0,
			    "is not a regular file or a pipe (a device?); give the path of the "
			    "YAML file");
		return GW_ENOTFILE;
	}
	if (ret != GW_OK) {
		if (gw_file_unreadable_hint(hint, sizeof(hint), -ret)[0] != '\0')
			sink_add(sink, 0, 0,
			         "cannot open: %s%s (a file holding secrets: owned by that user, "
			         "mode 0600)",
			         strerror(-ret), hint);
		else
			sink_add(sink, 0, 0, "cannot open: %s; check the path given with -c",
			         strerror(-ret));
		return GW_ECONFIG;
	}
	ret = gw_file_fdopen(fd, &fp);
	if (ret != GW_OK) {
		sink_add(sink, 0, 0, "cannot read: %s", strerror(-ret));
		return ret == -ENOMEM ? GW_ENOMEM : GW_ECONFIG;
	}
	ret = gw_file_read_stream_private(fp, GW_CONFIG_FILE_MAX, out, out_len);
	fclose(fp);
	switch (ret) {
	case GW_OK:
	case GW_ENOMEM:
		return ret;
	case GW_ELIMIT:
		if (S_ISREG(st.st_mode) && st.st_size > GW_CONFIG_FILE_MAX)
			sink_add(sink, 0, 0,
			         "%lld bytes, larger than the %d-byte limit; a configuration is a "
			         "few kilobytes: check that this is the right file",
			         (long long)st.st_size, GW_CONFIG_FILE_MAX);
		else
			sink_add(sink, 0, 0,
			         "larger than the %d-byte limit; a configuration is a few "
			         "kilobytes: check that this is the right file",
			         GW_CONFIG_FILE_MAX);
		return GW_ECONFIG;
	default:
		sink_add(sink, 0, 0, "cannot read: %s",
		         ret == GW_EIO ? strerror(EIO) : gw_strerror(ret));
		return GW_ECONFIG;
	}
}

/* gw_config_load() and gw_config_load_regular(). */
static int load(gw_config_t **out, const char *path, bool regular_only, gw_config_errors_t *errs)
{
	gw_config_errors_t local;
	sink_t sink;
	char *data = NULL;
	size_t len = 0;

	gw_config_errors_init(&local);
	sink = (sink_t){.errs = errs != NULL ? errs : &local, .name = path};
	sink.base = sink.errs->count;
	gw_config_t *cfg = NULL;
	int ret = read_file(&sink, path, regular_only, &data, &len);
	if (ret == GW_ENOTFILE && !regular_only)
		ret = GW_ECONFIG;
	if (ret == GW_OK)
		ret = gw_config_parse(&cfg, path, data, len, sink.errs);
	if (ret == GW_OK)
		ret = check_secret_mode(&sink, cfg, path);
	if (ret == GW_OK)
		*out = cfg;
	if (data != NULL)
		explicit_bzero(data, len); /* TSIG secrets; memset() may be dropped before free() */
	free(data);
	log_errors(&local);
	gw_config_errors_deinit(&local);
	return ret;
}

int gw_config_load(gw_config_t **out, const char *path, gw_config_errors_t *errs)
{
	return load(out, path, false, errs);
}

int gw_config_load_regular(gw_config_t **out, const char *path, gw_config_errors_t *errs)
{
	return load(out, path, true, errs);
}
