/* gateway/config/: TSIG keys (inline and in key files), transfer.allow,
 * transfer.notify and the journal, and the privacy of files with secrets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "config_test.h"
#include "cunit.h"
#include "gateway/config/config.h"

static void test_tsig_and_transfer(void)
{
	gw_config_t *cfg;
	gw_config_errors_t errs;
	const char *text = TSIG_TRANSFER_YAML;
	CU_ASSERT_EQUAL_FATAL(parse_text(text, &cfg, &errs), GW_OK);
	CU_ASSERT_EQUAL_FATAL(cfg->tsig_key_count, 4);
	CU_ASSERT_STRING_EQUAL(cfg->tsig_keys[0].name, "xfr.");
	CU_ASSERT_EQUAL(cfg->tsig_keys[0].algorithm, GW_TSIG_HMAC_SHA256);
	CU_ASSERT_STRING_EQUAL(cfg->tsig_keys[1].name, "b.example.");
	CU_ASSERT_EQUAL(cfg->tsig_keys[1].algorithm, GW_TSIG_HMAC_SHA512);
	CU_ASSERT_STRING_EQUAL(cfg->tsig_keys[1].secret, "c2VjcmV0"); /* blanks removed */
	CU_ASSERT_EQUAL(cfg->tsig_keys[2].algorithm, GW_TSIG_HMAC_SHA384);
	CU_ASSERT_EQUAL(cfg->tsig_keys[3].algorithm, GW_TSIG_HMAC_SHA1);
	CU_ASSERT_PTR_NULL(cfg->tsig_keys[0].file);
	CU_ASSERT_STRING_EQUAL(gw_config_tsig_alg_name(GW_TSIG_HMAC_SHA384), "hmac-sha384.");

	const gw_acl_t *acl = &cfg->transfer.allow;
	CU_ASSERT_EQUAL_FATAL(acl->count, 3);
	CU_ASSERT_EQUAL(acl->entries[0].key, -1);
	CU_ASSERT_EQUAL(acl->entries[1].family, AF_UNSPEC);
	CU_ASSERT_EQUAL(acl->entries[1].key, 1);
	CU_ASSERT_EQUAL(acl->entries[2].key, 0);

	CU_ASSERT_EQUAL_FATAL(cfg->transfer.notify_count, 2);
	assert_endpoint(&cfg->transfer.notify[0].ep, "192.0.2.53@53");
	CU_ASSERT_EQUAL(cfg->transfer.notify[0].key, -1);
	assert_endpoint(&cfg->transfer.notify[1].ep, "[2001:db8::53]@5353");
	CU_ASSERT_EQUAL(cfg->transfer.notify[1].key, 0);
	CU_ASSERT_EQUAL(cfg->transfer.journal_size, 512 * 1024);
	CU_ASSERT_EQUAL(cfg->transfer.journal_entries, 0);
	assert_round_trip(cfg);
	gw_config_free(cfg);
	gw_config_errors_deinit(&errs);

	/* Defaults. */
	CU_ASSERT_EQUAL_FATAL(gw_config_default(&cfg), GW_OK);
	CU_ASSERT_EQUAL(cfg->tsig_key_count, 0);
	CU_ASSERT_EQUAL(cfg->transfer.notify_count, 0);
	CU_ASSERT_EQUAL(cfg->transfer.journal_size, 16 << 20);
	CU_ASSERT_EQUAL(cfg->transfer.journal_entries, 1000);
	CU_ASSERT_EQUAL(cfg->transfer.journal_background_size, 32 << 20);
	gw_config_free(cfg);

	/* A child for every rewrite, or from 1 MiB on. */
	CU_ASSERT_EQUAL_FATAL(
	    parse_text("zone: {domain: a}\ntransfer: {journal-background-size: 0}\n", &cfg, &errs),
	    GW_OK);
	CU_ASSERT_EQUAL(cfg->transfer.journal_background_size, 0);
	gw_config_free(cfg);
	gw_config_errors_deinit(&errs);
	CU_ASSERT_EQUAL_FATAL(
	    parse_text("zone: {domain: a}\ntransfer: {journal-background-size: 1M}\n", &cfg, &errs),
	    GW_OK);
	CU_ASSERT_EQUAL(cfg->transfer.journal_background_size, 1 << 20);
	assert_round_trip(cfg);
	gw_config_free(cfg);
	gw_config_errors_deinit(&errs);
}

static void test_tsig_and_transfer_errors(void)
{
	gw_config_t *cfg;
	gw_config_errors_t errs;
	const char *f = "inline.yaml";
	const char *text = "zone: {domain: a}\n"                                            /* 1 */
	                   "tsig-keys:\n"                                                   /* 2 */
	                   "  - {name: xfr, secret: \"" SECRET_A "\"}\n"                    /* 3 */
	                   "  - {name: XFR., secret: \"" SECRET_A "\"}\n"                   /* 4 */
	                   "  - {name: \"bad name\", secret: \"" SECRET_A "\"}\n"           /* 5 */
	                   "  - {name: m, algorithm: hmac-md5, secret: \"" SECRET_A "\"}\n" /* 6 */
	                   "  - {name: s, secret: \"not base64!\"}\n"                       /* 7 */
	                   "  - {name: t}\n"                                                /* 8 */
	                   "  - {name: u, secret: \"" SECRET_A "\", file: /x}\n"            /* 9 */
	                   "  - {name: v, secret: \"Zg=\"}\n"                               /* 10 */
	                   "transfer:\n"                                                    /* 11 */
	                   "  allow:\n"                                                     /* 12 */
	                   "    - \"127.0.0.1 key nosuch\"\n"                               /* 13 */
	                   "    - \"127.0.0.1 xfr\"\n"                                      /* 14 */
	                   "    - \"127.0.0.1 key xfr extra\"\n"                            /* 15 */
	                   "    - \"key\"\n"                                                /* 16 */
	                   "  notify:\n"                                                    /* 17 */
	                   "    - \"192.0.2.1@0\"\n"                                        /* 18 */
	                   "    - \"192.0.2.1:53\"\n"                                       /* 19 */
	                   "    - \"192.0.2.2 key nosuch\"\n"                               /* 20 */
	                   "    - \"192.0.2.3@53\"\n"                                       /* 21 */
	                   "    - \"192.0.2.3\"\n"                                          /* 22 */
	                   "  journal-size: 1T\n"                                           /* 23 */
	                   "  journal-entries: 100001\n";                                   /* 24 */
	CU_ASSERT_EQUAL(parse_text(text, &cfg, &errs), GW_ECONFIG);
	CU_ASSERT_PTR_NULL(cfg);
	ASSERT_ERROR(&errs, f, 4, "tsig-keys[1].name", "defined twice");
	ASSERT_ERROR(&errs, f, 5, "tsig-keys[2].name", "not allowed in a key name");
	ASSERT_ERROR(&errs, f, 6, "tsig-keys[3].algorithm", "hmac-sha256", "obsolete");
	ASSERT_ERROR(&errs, f, 7, "tsig-keys[4].secret", "not valid base64");
	ASSERT_ERROR(&errs, f, 8, "tsig-keys[5]", "exactly one of secret");
	ASSERT_ERROR(&errs, f, 9, "tsig-keys[6]", "exactly one of secret");
	ASSERT_ERROR(&errs, f, 10, "tsig-keys[7].secret", "not valid base64");
	ASSERT_ERROR(&errs, f, 13, "transfer.allow[0]", "key 'nosuch' is not one of tsig-keys");
	ASSERT_ERROR(&errs, f, 14, "transfer.allow[1]", "is not 'key'");
	ASSERT_ERROR(&errs, f, 15, "transfer.allow[2]", "ADDR/LEN key NAME");
	ASSERT_ERROR(&errs, f, 16, "transfer.allow[3]", "not an IP address");
	ASSERT_ERROR(&errs, f, 18, "transfer.notify[0]", "port 0");
	ASSERT_ERROR(&errs, f, 19, "transfer.notify[1]", "192.0.2.1@53");
	ASSERT_ERROR(&errs, f, 20, "transfer.notify[2]", "not one of tsig-keys");
	ASSERT_ERROR(&errs, f, 22, "transfer.notify[4]", "listed twice");
	ASSERT_ERROR(&errs, f, 23, "transfer.journal-size", "not a size");
	ASSERT_ERROR(&errs, f, 24, "transfer.journal-entries", "out of range");
	gw_config_errors_deinit(&errs);

	CU_ASSERT_EQUAL(
	    parse_text("zone: {domain: a}\ntransfer: {journal-size: 1000}\n", &cfg, &errs),
	    GW_ECONFIG);
	ASSERT_ERROR(&errs, f, 2, "transfer.journal-size", "64k to 4G");
	gw_config_errors_deinit(&errs);

	CU_ASSERT_EQUAL(
	    parse_text("zone: {domain: a}\ntransfer: {journal-background-size: 5G}\n", &cfg, &errs),
	    GW_ECONFIG);
	ASSERT_ERROR(&errs, f, 2, "transfer.journal-background-size", "0 to 4G");
	gw_config_errors_deinit(&errs);
}

/* Secrets in files: the key file and a file with inline secrets must not
 * be open to group or others. */
static void test_secret_files(void)
{
	char dir[] = "/tmp/gw-cfg.XXXXXX";
	char key[128], cfgpath[128], text[512];
	gw_config_t *cfg = NULL;
	gw_config_errors_t errs;
	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	snprintf(key, sizeof(key), "%s/xfr.key", dir);
	snprintf(cfgpath, sizeof(cfgpath), "%s/gw.yaml", dir);

	/* A key file as tsig-keygen writes it, then a bare secret. */
	FILE *fp = fopen(key, "w");
	CU_ASSERT_FATAL(fp != NULL);
	fprintf(fp, "key \"xfr\" {\n\talgorithm hmac-sha256;\n\tsecret \"%s\";\n};\n", SECRET_A);
	fclose(fp);
	snprintf(text, sizeof(text), "zone: {domain: a}\ntsig-keys: [{name: xfr, file: %s}]\n",
	         key);
	fp = fopen(cfgpath, "w");
	CU_ASSERT_FATAL(fp != NULL);
	fputs(text, fp);
	fclose(fp);
	CU_ASSERT_FATAL(chmod(key, 0644) == 0);
	gw_config_errors_init(&errs);
	CU_ASSERT_EQUAL(gw_config_load(&cfg, cfgpath, &errs), GW_ECONFIG);
	ASSERT_ERROR(&errs, cfgpath, 2, "tsig-keys[0].file", "mode 0644", "chmod 600");
	gw_config_errors_deinit(&errs);
	CU_ASSERT_FATAL(chmod(key, 0600) == 0);
	gw_config_errors_init(&errs);
	CU_ASSERT_EQUAL_FATAL(gw_config_load(&cfg, cfgpath, &errs), GW_OK);
	CU_ASSERT_STRING_EQUAL(cfg->tsig_keys[0].secret, SECRET_A);
	CU_ASSERT_STRING_EQUAL(cfg->tsig_keys[0].file, key);
	assert_round_trip(cfg);
	gw_config_free(cfg);
	gw_config_errors_deinit(&errs);

	fp = fopen(key, "w");
	fprintf(fp, "%s\n", SECRET_A);
	fclose(fp);
	gw_config_errors_init(&errs);
	CU_ASSERT_EQUAL_FATAL(gw_config_load(&cfg, cfgpath, &errs), GW_OK);
	CU_ASSERT_STRING_EQUAL(cfg->tsig_keys[0].secret, SECRET_A);
	gw_config_free(cfg);
	gw_config_errors_deinit(&errs);
	fp = fopen(key, "w");
	fputs("secret: \"nope!\"\n", fp);
	fclose(fp);
	gw_config_errors_init(&errs);
	CU_ASSERT_EQUAL(gw_config_load(&cfg, cfgpath, &errs), GW_ECONFIG);
	ASSERT_ERROR(&errs, cfgpath, 2, "tsig-keys[0].file", "not valid base64", "in key file");
	gw_config_errors_deinit(&errs);

	/* Inline secrets: the configuration itself must be private. */
	snprintf(text, sizeof(text), "zone: {domain: a}\ntsig-keys: [{name: x, secret: \"%s\"}]\n",
	         SECRET_A);
	fp = fopen(cfgpath, "w");
	fputs(text, fp);
	fclose(fp);
	/* Readable by its group, and not root's: its owner could hand the
	 * secrets on. */
	CU_ASSERT_EQUAL_FATAL(geteuid(), 0); /* the unit tests run as root (chown) */
	CU_ASSERT_FATAL(chmod(cfgpath, 0640) == 0);
	CU_ASSERT_FATAL(chown(cfgpath, 1, 1) == 0);
	cfg = NULL;
	gw_config_errors_init(&errs);
	CU_ASSERT_EQUAL(gw_config_load(&cfg, cfgpath, &errs), GW_ECONFIG);
	CU_ASSERT_PTR_NULL(cfg);
	CU_ASSERT_EQUAL_FATAL(errs.count, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(errs.items[0].text, "mode 0640"));
	gw_config_errors_deinit(&errs);
	CU_ASSERT_FATAL(chown(cfgpath, 0, 0) == 0);
	CU_ASSERT_FATAL(chmod(cfgpath, 0600) == 0);
	gw_config_errors_init(&errs);
	CU_ASSERT_EQUAL(gw_config_load(&cfg, cfgpath, &errs), GW_OK);
	CU_ASSERT_PTR_NULL(cfg->secret_group_file);
	gw_config_free(cfg);
	gw_config_errors_deinit(&errs);

	unlink(key);
	unlink(cfgpath);
	rmdir(dir);
}

/* write_file(path, text, uid, gid, mode): the file as given, or fail. */
static void write_file(const char *path, const char *text, uid_t uid, gid_t gid, mode_t mode)
{
	FILE *fp = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	fputs(text, fp);
	fclose(fp);
	CU_ASSERT_FATAL(chown(path, uid, gid) == 0);
	CU_ASSERT_FATAL(chmod(path, mode) == 0);
}

/* A secret shared with one group: 0640 owned by root (the daemon's user
 * reads it on a reload and cannot change it). Its group is noted for the
 * daemon to check against its own; two files must not give two groups;
 * anything wider, or a group-readable file of another owner, is refused.
 * Needs root (chown). */
static void test_secret_group(void)
{
	char dir[] = "/tmp/gw-cfg.XXXXXX";
	char key[128], key2[128], cfgpath[128], text[512], line[256], err[512];
	gw_config_t *cfg = NULL;
	gw_config_errors_t errs;
	CU_ASSERT_EQUAL_FATAL(geteuid(), 0);
	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	snprintf(key, sizeof(key), "%s/a.key", dir);
	snprintf(key2, sizeof(key2), "%s/b.key", dir);
	snprintf(cfgpath, sizeof(cfgpath), "%s/gw.yaml", dir);
	gid_t g1 = 1, g2 = 2; /* daemon and bin on Debian */
	snprintf(line, sizeof(line), "%s\n", SECRET_A);
	write_file(key, line, 0, g1, 0640);
	write_file(key2, line, 0, g1, 0600);
	snprintf(text, sizeof(text),
	         "zone: {domain: a}\ntsig-keys: [{name: a, file: %s}, {name: b, file: %s}]\n", key,
	         key2);
	write_file(cfgpath, text, 0, 0, 0644);

	gw_config_errors_init(&errs);
	CU_ASSERT_EQUAL_FATAL(gw_config_load(&cfg, cfgpath, &errs), GW_OK);
	CU_ASSERT_STRING_EQUAL(cfg->tsig_keys[0].secret, SECRET_A);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg->secret_group_file);
	CU_ASSERT_STRING_EQUAL(cfg->secret_group_file, key);
	CU_ASSERT_EQUAL(cfg->secret_group, g1);
	CU_ASSERT_EQUAL(gw_config_secret_group_check(cfg, g1, err, sizeof(err)), GW_OK);
	CU_ASSERT_EQUAL(gw_config_secret_group_check(cfg, g2, err, sizeof(err)), GW_EPERM);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, key));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "chgrp bin"));
	gw_config_free(cfg);
	gw_config_errors_deinit(&errs);

	/* Two files, two groups: the daemon has one. */
	CU_ASSERT_FATAL(chown(key2, 0, g2) == 0);
	CU_ASSERT_FATAL(chmod(key2, 0640) == 0);
	cfg = NULL;
	gw_config_errors_init(&errs);
	CU_ASSERT_EQUAL(gw_config_load(&cfg, cfgpath, &errs), GW_ECONFIG);
	CU_ASSERT_PTR_NULL(cfg);
	ASSERT_ERROR(&errs, cfgpath, 2, "tsig-keys[1].file", "group bin", "group daemon");
	gw_config_errors_deinit(&errs);
	CU_ASSERT_FATAL(chown(key2, 0, g1) == 0);

	/* Wider than the group's read, or group-readable and not root's. */
	static const struct {
		uid_t uid;
		mode_t mode;
	} bad[] = {{0, 0660}, {0, 0644}, {0, 0604}, {0, 0650}, {1, 0640}};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char mode[16];
		snprintf(mode, sizeof(mode), "mode %04o", (unsigned)bad[i].mode);
		CU_ASSERT_FATAL(chown(key, bad[i].uid, g1) == 0);
		CU_ASSERT_FATAL(chmod(key, bad[i].mode) == 0);
		gw_config_errors_init(&errs);
		CU_ASSERT_EQUAL(gw_config_load(&cfg, cfgpath, &errs), GW_ECONFIG);
		ASSERT_ERROR(&errs, cfgpath, 2, "tsig-keys[0].file", mode, "chmod 600");
		gw_config_errors_deinit(&errs);
	}

	/* Inline secrets in a file of root's shared with its group: noted
	 * as a key file's are, and the same group is asked of both. */
	write_file(key, line, 0, g1, 0640);
	snprintf(text, sizeof(text),
	         "zone: {domain: a}\ntsig-keys: [{name: a, file: %s}, {name: x, secret: \"%s\"}]\n",
	         key, SECRET_A);
	write_file(cfgpath, text, 0, g1, 0640);
	gw_config_errors_init(&errs);
	CU_ASSERT_EQUAL_FATAL(gw_config_load(&cfg, cfgpath, &errs), GW_OK);
	CU_ASSERT_EQUAL(cfg->secret_group, g1);
	gw_config_free(cfg);
	gw_config_errors_deinit(&errs);
	CU_ASSERT_FATAL(chown(cfgpath, 0, g2) == 0);
	cfg = NULL;
	gw_config_errors_init(&errs);
	CU_ASSERT_EQUAL(gw_config_load(&cfg, cfgpath, &errs), GW_ECONFIG);
	CU_ASSERT_PTR_NULL(cfg);
	CU_ASSERT_EQUAL_FATAL(errs.count, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(errs.items[0].text, "group bin"));
	gw_config_errors_deinit(&errs);

	unlink(key);
	unlink(key2);
	unlink(cfgpath);
	rmdir(dir);
}

int gw_test_register(void)
{
	return gw_test_suite("config transfer",
	                     (gw_test_t[]){
	                         {"tsig keys and transfer", test_tsig_and_transfer},
	                         {"tsig and transfer errors", test_tsig_and_transfer_errors},
	                         {"secret files", test_secret_files},
	                         {"secrets shared with a group", test_secret_group},
	                         {NULL, NULL},
	                     });
}
