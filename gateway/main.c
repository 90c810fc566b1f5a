/* dnssd-gateway: command line. */
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "common/log.h"
#include "gateway/config/config.h"
#include "gateway/daemon.h"
#include "gateway/system/privileges.h"
#include "gateway/zonemgr/zonemgr.h"

#ifndef GW_VERSION
#define GW_VERSION "0.1.0"
#endif

static void usage(FILE *fp)
{
	fprintf(fp, "usage: dnssd-gateway [-c FILE] [-v] [--check-config] [--new-keys]\n"
	            "                     [--tls-new-key]\n"
	            "\n"
	            "Mirrors DNS-SD services into a DNS zone and serves it, in the foreground.\n"
	            "\n"
	            "  -c, --config FILE   configuration file (YAML); without it a built-in\n"
	            "                      default applies (docs/configuration.md)\n"
	            "  -v, --verbose       log debug messages\n"
	            "      --check-config  validate the configuration (and the zone file it\n"
	            "                      names), print each problem, exit 0 when valid;\n"
	            "                      with -v also print the effective configuration\n"
	            "      --new-keys      make new DNSSEC keys where the key state\n"
	            "                      (<state-dir>/keys/state) is lost but an earlier\n"
	            "                      store left keys or DS files; the parent's DS must\n"
	            "                      then be replaced (docs/keys.md)\n"
	            "      --tls-new-key   roll the gateway's own TLS key over: the new key's\n"
	            "                      TLSA is published now, the key used twice the TLSA\n"
	            "                      TTL later (docs/tls.md)\n"
	            "  -V, --version       print the version\n"
	            "  -h, --help          this text\n");
}

/* Whether stderr is the journal's stream: systemd names it in
 * JOURNAL_STREAM as "device:inode", inherited by children whose stderr
 * may be a file by now, so the descriptor itself is compared. */
static bool stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	if (e == NULL || sscanf(e, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) != 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

static int check_config(const gw_config_t *cfg, bool verbose)
{
	/* Secrets shared with a group are shared with the daemon's: the group
	 * it would become (as root) or runs with (the unit's ExecReload). */
	if (cfg->secret_group_file != NULL) {
		gw_identity_t id;
		char why[512] = "";
		int id_ret = gw_identity_resolve(&id, cfg->user, cfg->group, geteuid(), getegid(),
		                                 why, sizeof(why));
		if (id_ret == GW_OK)
			id_ret = gw_config_secret_group_check(cfg, id.gid, why, sizeof(why));
		if (id_ret != GW_OK) {
			fprintf(stderr, "%s\n", why[0] ? why : gw_strerror(id_ret));
			return 1;
		}
	}
	/* Every zone's file loads. */
	for (size_t i = 0; i < cfg->zone_count; i++) {
		char err[512] = "";
		zone_t *zone = NULL;
		gw_zonemgr_opts_t opts = gw_daemon_zone_opts(&cfg->zones[i]);
		int ret = gw_zonemgr_load_static(&zone, &opts, err, sizeof(err));
		if (ret != GW_OK) {
			fprintf(stderr, "%s\n", err[0] ? err : gw_strerror(ret));
			return 1;
		}
		gw_zonemgr_warn_statics(zone, &opts);
		zone_free(zone);
	}
	/* reverse.file loads for a reverse zone (its names relative to it). */
	if (cfg->reverse.enable && cfg->reverse.file != NULL) {
		static const uint8_t arpa[] = "\007in-addr\004arpa";
		gw_zone_config_t rz = {
		    .domain_len = sizeof(arpa),
		    .domain_str = "in-addr.arpa.",
		    .file = cfg->reverse.file,
		    .state_dir = cfg->state_dir,
		    .reverse = true,
		    .dnssec = &cfg->dnssec,
		    .transfer = &cfg->transfer,
		};
		memcpy(rz.domain, arpa, sizeof(arpa));
		char err[512] = "";
		zone_t *zone = NULL;
		gw_zonemgr_opts_t opts = gw_daemon_zone_opts(&rz);
		int ret = gw_zonemgr_load_static(&zone, &opts, err, sizeof(err));
		if (ret != GW_OK) {
			fprintf(stderr, "reverse.file: %s\n", err[0] ? err : gw_strerror(ret));
			return 1;
		}
		zone_free(zone);
	}
	if (verbose)
		gw_config_print(cfg, stdout);
	fprintf(stderr, "%s: configuration is valid\n", cfg->source ? cfg->source : "built-in");
	return 0;
}

int main(int argc, char **argv)
{
	enum { OPT_CHECK = 256, OPT_NEW_KEYS, OPT_TLS_NEW_KEY };
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"check-config", no_argument, NULL, OPT_CHECK},
	    {"new-keys", no_argument, NULL, OPT_NEW_KEYS},
	    {"tls-new-key", no_argument, NULL, OPT_TLS_NEW_KEY},
	    {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *path = NULL;
	bool verbose = false, check = false;
	gw_daemon_flags_t flags = {0};
	int c;
	/* A SIGHUP (a reload) that comes while the configuration is read
	 * stays pending instead of killing the daemon: gw_daemon_run()
	 * unblocks it once its watcher is there, and reloads when the loop
	 * runs. */
	sigset_t hup;
	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	sigprocmask(SIG_BLOCK, &hup, NULL);
	while ((c = getopt_long(argc, argv, "c:vVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case OPT_CHECK:
			check = true;
			break;
		case OPT_NEW_KEYS:
			flags.new_keys = true;
			break;
		case OPT_TLS_NEW_KEY:
			flags.tls_new_key = true;
			break;
		case 'V':
			printf("dnssd-gateway %s\n", GW_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "dnssd-gateway: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}

	/* Before a line of it is parsed: whoever may change the file run as
	 * root must be root. A check only says what a start would refuse. */
	if (path != NULL && geteuid() == 0) {
		char why[2 * PATH_MAX + 512];
		if (gw_root_input_check(path, why, sizeof(why)) != GW_OK) {
			if (!check) {
				fprintf(stderr, "dnssd-gateway: not started: %s\n", why);
				return 1;
			}
			fprintf(stderr, "warning: a start as root would refuse it: %s\n", why);
		}
	}
	gw_config_t *cfg = NULL;
	gw_config_errors_t errs;
	gw_config_errors_init(&errs);
	int ret = path ? gw_config_load(&cfg, path, &errs) : gw_config_default(&cfg);
	if (ret != GW_OK) {
		for (size_t i = 0; i < errs.count; i++)
			fprintf(stderr, "%s\n", errs.items[i].text);
		if (errs.omitted > 0)
			fprintf(stderr, "(%zu more problems not shown)\n", errs.omitted);
		if (errs.count == 0)
			fprintf(stderr, "dnssd-gateway: %s\n", gw_strerror(ret));
		gw_config_errors_deinit(&errs);
		return 1;
	}
	gw_config_errors_deinit(&errs);

	int status;
	char *abs_path = NULL;
	if (check) {
		/* A check is no daemon: a SIGHUP acts as on any command. */
		sigprocmask(SIG_UNBLOCK, &hup, NULL);
		for (size_t i = 0; i < cfg->warning_count; i++)
			fprintf(stderr, "%s\n", cfg->warnings[i]);
		status = check_config(cfg, verbose);
	} else {
		flags.verbose = verbose;
		/* A reload reads the same file, whatever the working directory
		 * is by then. */
		abs_path = path != NULL ? realpath(path, NULL) : NULL;
		flags.config_path = abs_path != NULL ? abs_path : path;
		gw_log_set_level(verbose ? GW_LOG_DEBUG : cfg->log.level);
		gw_log_open_syslog("dnssd-gateway");
		/* Under systemd stderr goes to the journal too: each line would be
		 * there twice. syslog keeps the priorities, so stderr is dropped. */
		if (stderr_is_journal())
			gw_log_set_stderr(false);
		ret = gw_daemon_reverse_zones(cfg);
		if (ret == GW_OK)
			ret = gw_daemon_run(cfg, &flags);
		gw_log_close_syslog();
		status = ret == GW_OK ? 0 : 1;
	}
	gw_config_free(cfg);
	free(abs_path);
	return status;
}
