/* TSIG secrets: base64 text, inline or in a key file. Decoding is
 * ldns's (ldns_str2rdf_b64: padding and the bits past the end checked). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "common/account.h"
#include "common/error.h"
#include "common/file.h"
#include "gateway/config/internal.h"
#include "gateway/config/secret.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* ldns_str2rdf_b64() counts the decoded octets in 16 bits. */
#define SECRET_TEXT_DECODE_MAX 32768

int gw_config_secret_decode(const char *text, size_t len, uint8_t *out, size_t cap)
{
	ldns_rdf *rdf = NULL;
	size_t n = 0;
	int ret = GW_EPARSE;
	char *compact = NULL;

	if (len >= SECRET_TEXT_DECODE_MAX)
		return GW_ESPACE;
	compact = malloc(len + 1);
	if (compact == NULL)
		return GW_ENOMEM;
	/* ldns skips every isspace() byte and takes a lone "-" or "0" for an
	 * empty value; a secret may only hold blanks and line breaks between
	 * its characters, so anything else is refused here. */
	for (size_t i = 0; i < len; i++) {
		if (is_blank(text[i]))
			continue;
		if (text[i] == '\0' || text[i] == '-' || text[i] == '\v' || text[i] == '\f')
			goto out;
		compact[n++] = text[i];
	}
	compact[n] = '\0';
	if (n == 1 && compact[0] == '0')
		goto out;
	ldns_status st = ldns_str2rdf_b64(&rdf, compact);
	if (st == LDNS_STATUS_MEM_ERR) {
		ret = GW_ENOMEM;
		goto out;
	}
	if (st != LDNS_STATUS_OK || rdf == NULL)
		goto out;
	if (ldns_rdf_size(rdf) > cap) {
		ret = GW_ESPACE;
		goto out;
	}
	memcpy(out, ldns_rdf_data(rdf), ldns_rdf_size(rdf));
	ret = (int)ldns_rdf_size(rdf);
out:
	if (rdf != NULL)
		explicit_bzero(ldns_rdf_data(rdf), ldns_rdf_size(rdf));
	ldns_rdf_deep_free(rdf);
	explicit_bzero(compact, len + 1);
	free(compact);
	return ret;
}

char *parse_secret(load_ctx_t *ctx, const char *text, size_t len, char *why, size_t why_len)
{
	uint8_t raw[GW_CONFIG_TSIG_SECRET_MAX];
	int n = gw_config_secret_decode(text, len, raw, sizeof(raw));
	explicit_bzero(raw, sizeof(raw));
	if (n == GW_ENOMEM) {
		ctx->sink.oom = true;
		return NULL;
	}
	if (n == GW_ESPACE) {
		snprintf(why, why_len,
		         "the secret is longer than %d octets; use a key from tsig-keygen or "
		         "keymgr -t (32 octets for hmac-sha256)",
		         GW_CONFIG_TSIG_SECRET_MAX);
		return NULL;
	}
	if (n <= 0) {
		snprintf(why, why_len,
		         "the secret is %s; give the base64 text that tsig-keygen or keymgr -t "
		         "print, e.g. secret: \"3q2+7w==\"",
		         n == 0 ? "empty" : "not valid base64");
		return NULL;
	}
	char *out = malloc(len + 1);
	if (out == NULL) {
		ctx->sink.oom = true;
		return NULL;
	}
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (!is_blank(text[i]))
			out[o++] = text[i];
	}
	out[o] = '\0';
	return out;
}

#define KEY_FILE_MAX 4096

char *key_file_secret(load_ctx_t *ctx, const char *buf, size_t len, char *why, size_t why_len)
{
	const char *text = buf;
	size_t tlen = len;
	const char *kw = strstr(buf, "secret");
	if (kw != NULL) {
		text = kw + 6;
		while (*text == ' ' || *text == '\t' || *text == ':' || *text == '"')
			text++;
		tlen = strcspn(text, "\";\n\r \t");
	}
	return parse_secret(ctx, text, tlen, why, why_len);
}

int shared_secret_note(char **file, gid_t *gid, const char *path, const struct stat *st, char *why,
                       size_t why_len)
{
	if (*file == NULL) {
		*file = strdup(path);
		*gid = st->st_gid;
		return *file != NULL ? GW_OK : GW_ENOMEM;
	}
	if (st->st_gid == *gid)
		return GW_OK;
	char q[QBUF], first[QBUF], g[64], first_g[64];
	quote(q, sizeof(q), path, strlen(path));
	quote(first, sizeof(first), *file, strlen(*file));
	gw_group_name(g, sizeof(g), st->st_gid);
	gw_group_name(first_g, sizeof(first_g), *gid);
	snprintf(why, why_len,
	         "'%s' lets group %s read its secret and '%s' group %s; the daemon has one "
	         "group: give both to its group (chgrp), or chmod 600 them",
	         q, g, first, first_g);
	return GW_ECONFIG;
}

/* The secret of a key file: the base64 text alone, or the value after
 * "secret" in the files tsig-keygen (BIND) and keymgr -t (Knot) write.
 * The file is private, or root's and shared with one group only
 * (gw_file_secret_mode_ok()). */
char *read_key_file(load_ctx_t *ctx, const char *path, char *why, size_t why_len)
{
	char q[QBUF];
	char buf[KEY_FILE_MAX + 1];
	char *secret = NULL;
	struct stat st;
	size_t len = 0;
	int fd = -1;

	quote(q, sizeof(q), path, strlen(path));
	int ret = gw_file_open_secret(path, &fd, &st);
	if (ret == GW_ENOTFILE) {
		snprintf(why, why_len, "'%s' is not a regular file; give the path of the key file",
		         q);
		return NULL;
	}
	if (ret == GW_EPERM) {
		snprintf(why, why_len,
		         "'%s' has mode %04o: group or others may read or change the secret; "
		         "chmod 600 it (or 640 with owner root and the daemon's group)",
		         q, (unsigned)(st.st_mode & 07777));
		return NULL;
	}
	if (ret != GW_OK) {
		snprintf(why, why_len, "cannot open '%s': %s; check the path", q, strerror(-ret));
		return NULL;
	}
	if ((st.st_mode & 077) != 0) {
		ret = shared_secret_note(&ctx->shared_path, &ctx->shared_gid, path, &st, why,
		                         why_len);
		if (ret == GW_ENOMEM)
			ctx->sink.oom = true;
		if (ret != GW_OK)
			goto out;
	}
	ret = gw_file_read_fd(fd, buf, KEY_FILE_MAX, &len);
	if (ret == GW_ELIMIT) {
		snprintf(why, why_len, "'%s' is larger than %d bytes; a key file holds one secret",
		         q, KEY_FILE_MAX);
		goto out;
	}
	if (ret != GW_OK) {
		snprintf(why, why_len, "cannot read '%s': %s", q, strerror(-ret));
		goto out;
	}
	secret = key_file_secret(ctx, buf, len, why, why_len);
	if (secret == NULL && !ctx->sink.oom) {
		size_t o = strlen(why);
		snprintf(why + o, why_len - o, " (in key file '%s')", q);
	}
out:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return secret;
}

int gw_config_secret_group_check(const gw_config_t *cfg, gid_t gid, char *err, size_t errlen)
{
	if (cfg->secret_group_file == NULL || cfg->secret_group == gid)
		return GW_OK;
	char q[QBUF], shared[64], own[64];
	quote(q, sizeof(q), cfg->secret_group_file, strlen(cfg->secret_group_file));
	gw_group_name(shared, sizeof(shared), cfg->secret_group);
	gw_group_name(own, sizeof(own), gid);
	snprintf(err, errlen,
	         "'%s' lets group %s read TSIG secrets, but the daemon runs with group %s; "
	         "chgrp %s it",
	         q, shared, own, own);
	return GW_EPERM;
}
