/* dnssd-gatewayctl: asks the running dnssd-gateway through its control
 * socket (docs/control.md) and prints the answer for a person, or as JSON
 * with --json. One request, one reply, one exit code. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>

#include "gateway/control/protocol.h"
#include "gateway/ctl/ctl.h"

#ifndef GW_VERSION
#define GW_VERSION "0.0.0"
#endif

#define REPLY_MAX     (256u << 20) /* a reply larger than this is not one */
#define REPLY_TIMEOUT 120000       /* ms: a reload re-signs, which can take a while */

static const char *g_prog = "dnssd-gatewayctl";

static void usage(FILE *fp)
{
	fprintf(
	    fp,
	    "Usage: %s [-s SOCKET] [--json] COMMAND [ARGS]\n"
	    "Ask the running dnssd-gateway through its control socket.\n"
	    "\n"
	    "Commands:\n"
	    "  status                  version, uptime, the zone's serial and signing\n"
	    "  links                   the mDNS links: state, services\n"
	    "  services [--zone Z] [--link L] [--limit N]\n"
	    "                          the mirrored service instances\n"
	    "  refused                 what the mirror's limits held back, and why\n"
	    "  secondaries             NOTIFY targets and zone transfers\n"
	    "  keys [ZONE]             the DNSSEC keys (of the first zone by default)\n"
	    "  ds [ZONE]               the DS records for the parent zone\n"
	    "  stats                   counters\n"
	    "  reload                  reload (what was applied, what needs a restart)\n"
	    "  log-level LEVEL         error, warning, notice, info or debug\n"
	    "  rollover zsk|ksk|csk [ZONE]\n"
	    "                          start a key rollover now (docs/keys.md)\n"
	    "  ds-seen [ZONE]          the new DS is published at the parent (also ds-confirm)\n"
	    "  go-insecure [ZONE]      publish CDS/CDNSKEY DELETE: the parent may drop the DS\n"
	    "  go-secure [ZONE]        stop publishing the DELETE records\n"
	    "                          (ZONE: the first zone when not given; also --zone)\n"
	    "\n"
	    "Options:\n"
	    "  -s, --socket SOCKET     the control socket (default %s)\n"
	    "  -j, --json              print the daemon's data as JSON\n"
	    "  -h, --help              this text\n"
	    "  -V, --version           the version\n"
	    "\n"
	    "Exit status:\n"
	    "  0  done\n"
	    "  1  the daemon answered with an error (the line on stderr says which)\n"
	    "  2  usage: unknown command or wrong arguments\n"
	    "  3  no daemon answers on the socket\n"
	    "  4  permission denied on the socket (mode 0660: its owner and group)\n"
	    "  5  no reply, or a reply that cannot be read\n",
	    g_prog, GW_CONTROL_SOCKET_DEFAULT);
}

/* One line on stderr, the program's name first. */
static int fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(int code, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", g_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

typedef struct args {
	const char *socket;
	bool json;
	const char *command;
	const char *zone, *link, *level, *kind, *algorithm;
	long long limit;
} args_t;

static const char *const g_commands[] = {"status",      "links",       "services",  "refused",
                                         "secondaries", "keys",        "ds",        "stats",
                                         "reload",      "log-level",   "rollover",  "ds-seen",
                                         "ds-confirm",  "go-insecure", "go-secure", NULL};

static int parse_args(int argc, char **argv, args_t *a)
{
	static const struct option longopts[] = {
	    {"socket", required_argument, NULL, 's'}, {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},         {"version", no_argument, NULL, 'V'},
	    {"zone", required_argument, NULL, 'z'},   {"link", required_argument, NULL, 'l'},
	    {"limit", required_argument, NULL, 'n'},  {NULL, 0, NULL, 0},
	};
	int c;
	memset(a, 0, sizeof(*a));
	a->socket = GW_CONTROL_SOCKET_DEFAULT;
	opterr = 0; /* one line of our own instead of getopt's */
	while ((c = getopt_long(argc, argv, ":s:jhV", longopts, NULL)) != -1) {
		/* The options that give a string: where it goes. */
		const char **to = c == 's'   ? &a->socket
		                  : c == 'z' ? &a->zone
		                  : c == 'l' ? &a->link
		                             : NULL;
		if (to != NULL) {
			*to = optarg;
			continue;
		}
		switch (c) {
		case 'j':
			a->json = true;
			break;
		case 'h':
			usage(stdout);
			exit(CTL_OK);
		case 'V':
			printf("dnssd-gatewayctl %s\n", GW_VERSION);
			exit(CTL_OK);
		case 'n': {
			char *end = NULL;
			errno = 0;
			a->limit = strtoll(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' || a->limit < 1)
				return fail(CTL_EUSAGE,
				            "--limit takes a whole number of at least 1, not '%s'",
				            optarg);
			break;
		}
		case ':':
			return fail(CTL_EUSAGE, "%s needs an argument (see %s --help)",
			            argv[optind - 1], g_prog);
		default:
			return fail(CTL_EUSAGE, "unknown option %s (see %s --help)",
			            argv[optind - 1], g_prog);
		}
	}
	if (optind >= argc)
		return fail(CTL_EUSAGE, "no command given (see %s --help)", g_prog);
	a->command = argv[optind++];
	bool known = false;
	for (size_t i = 0; g_commands[i] != NULL; i++)
		known = known || strcmp(g_commands[i], a->command) == 0;
	if (!known)
		return fail(CTL_EUSAGE, "unknown command '%s' (see %s --help)", a->command, g_prog);
	if (strcmp(a->command, "log-level") == 0) {
		if (optind >= argc)
			return fail(
			    CTL_EUSAGE,
			    "log-level needs a LEVEL: error, warning, notice, info or debug");
		a->level = argv[optind++];
	}
	if (strcmp(a->command, "rollover") == 0) {
		if (optind >= argc)
			return fail(CTL_EUSAGE,
			            "rollover needs a KIND: zsk, ksk, csk or algorithm");
		a->kind = argv[optind++];
		if (strcmp(a->kind, "algorithm") == 0) {
			if (optind >= argc)
				return fail(CTL_EUSAGE,
				            "rollover algorithm needs the new algorithm: "
				            "ecdsap256sha256, ed25519 or rsasha256");
			a->algorithm = argv[optind++];
		}
	}
	/* The key commands act on one zone: the first unless one is named
	 * (last argument or --zone). */
	static const char *const keyed[] = {"keys",       "ds",          "rollover",  "ds-seen",
	                                    "ds-confirm", "go-insecure", "go-secure", NULL};
	bool key_command = false;
	for (size_t i = 0; keyed[i] != NULL; i++)
		key_command = key_command || strcmp(keyed[i], a->command) == 0;
	if (key_command && optind < argc && a->zone == NULL)
		a->zone = argv[optind++];
	if (optind < argc)
		return fail(CTL_EUSAGE, "%s: unexpected argument '%s'", a->command, argv[optind]);
	if ((a->link != NULL || a->limit != 0) && strcmp(a->command, "services") != 0)
		return fail(CTL_EUSAGE, "--link and --limit go with the services command");
	if (a->zone != NULL && strcmp(a->command, "services") != 0 && !key_command)
		return fail(CTL_EUSAGE,
		            "--zone goes with the services, keys, ds, rollover, ds-seen, "
		            "go-insecure and go-secure commands");
	if (strlen(a->socket) >= sizeof(((struct sockaddr_un *)NULL)->sun_path))
		return fail(CTL_EUSAGE, "socket path too long: %s", a->socket);
	return CTL_OK;
}

/* The request line, newline included (caller frees), or NULL. */
static char *request_line(const args_t *a)
{
	json_object *r = json_object_new_object();
	char *line = NULL;
	if (r == NULL)
		return NULL;
	json_object_object_add(r, "command", json_object_new_string(a->command));
	if (a->zone != NULL)
		json_object_object_add(r, "zone", json_object_new_string(a->zone));
	if (a->link != NULL)
		json_object_object_add(r, "link", json_object_new_string(a->link));
	if (a->limit != 0)
		json_object_object_add(r, "limit", json_object_new_int64(a->limit));
	if (a->level != NULL)
		json_object_object_add(r, "level", json_object_new_string(a->level));
	if (a->kind != NULL)
		json_object_object_add(r, "kind", json_object_new_string(a->kind));
	if (a->algorithm != NULL)
		json_object_object_add(r, "algorithm", json_object_new_string(a->algorithm));
	const char *text = json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN);
	if (text != NULL && asprintf(&line, "%s\n", text) < 0)
		line = NULL;
	json_object_put(r);
	return line;
}

static int connect_socket(const char *path, int *fd_out)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(CTL_EPROTO, "socket: %s", strerror(errno));
	if (connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int err = errno;
		close(fd);
		if (err == EACCES || err == EPERM)
			return fail(
			    CTL_EPERM,
			    "permission denied on %s: the control socket is for its owner and "
			    "group only (mode 0660); run as root or as a member of its group",
			    path);
		if (err == ENOENT || err == ECONNREFUSED || err == ENOTDIR)
			return fail(
			    CTL_ENODAEMON,
			    "no daemon answers on %s (%s): is dnssd-gateway running? (-s names "
			    "another socket)",
			    path, strerror(err));
		return fail(CTL_ENODAEMON, "cannot connect to %s: %s", path, strerror(err));
	}
	*fd_out = fd;
	return CTL_OK;
}

static int send_all(int fd, const char *buf, size_t len, const char *path)
{
	while (len > 0) {
		ssize_t k = send(fd, buf, len, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return fail(CTL_EPROTO, "%s: the daemon closed the connection: %s", path,
			            strerror(errno));
		buf += k;
		len -= (size_t)k;
	}
	return CTL_OK;
}

/* The reply line into *out (caller frees), NUL-terminated, newline cut. */
static int read_reply(int fd, const char *path, char **out)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap);
	if (buf == NULL)
		return fail(CTL_EPROTO, "out of memory");
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int r = poll(&p, 1, REPLY_TIMEOUT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			free(buf);
			return fail(CTL_EPROTO, "%s: no reply within %d s", path,
			            REPLY_TIMEOUT / 1000);
		}
		if (len + 1 >= cap) {
			char *more = cap < REPLY_MAX ? realloc(buf, cap * 2) : NULL;
			if (more == NULL) {
				free(buf);
				return fail(CTL_EPROTO, "%s: a reply larger than %u octets", path,
				            REPLY_MAX);
			}
			buf = more;
			cap *= 2;
		}
		ssize_t k = recv(fd, buf + len, cap - len - 1, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			free(buf);
			return fail(CTL_EPROTO,
			            "%s: the connection ended before a whole reply (%s)", path,
			            k < 0 ? strerror(errno) : "closed");
		}
		char *nl = memchr(buf + len, '\n', (size_t)k);
		len += (size_t)k;
		if (nl != NULL) {
			*nl = '\0';
			*out = buf;
			return CTL_OK;
		}
	}
}

static void print_json(json_object *data)
{
	const char *text =
	    json_object_to_json_string_ext(data, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
	                                             JSON_C_TO_STRING_NOSLASHESCAPE);
	printf("%s\n", text != NULL ? text : "null");
}

static int handle_reply(const args_t *a, const char *line)
{
	json_object *r = json_tokener_parse(line);
	json_object *ok = NULL, *data = NULL, *err = NULL;
	int ret = CTL_OK;
	if (r == NULL || !json_object_object_get_ex(r, "ok", &ok) ||
	    !json_object_is_type(ok, json_type_boolean)) {
		json_object_put(r);
		return fail(CTL_EPROTO, "%s: a reply that is not the control protocol's",
		            a->socket);
	}
	json_object_object_get_ex(r, "data", &data);
	json_object_object_get_ex(r, "error", &err);
	if (!json_object_get_boolean(ok)) {
		/* A failed reload still says what it did. */
		if (data != NULL && a->json)
			print_json(data);
		else if (data != NULL)
			ctl_show(a->command, data, stdout);
		ret = fail(CTL_EDAEMON, "%s: %s", a->command,
		           err != NULL ? json_object_get_string(err) : "failed (no reason given)");
	} else if (a->json) {
		print_json(data);
	} else if (!ctl_show(a->command, data, stdout)) {
		ret = fail(CTL_EPROTO,
		           "%s: a reply of an unexpected shape (another version?); "
		           "--json shows it",
		           a->command);
	}
	json_object_put(r);
	return ret;
}

int main(int argc, char **argv)
{
	args_t a;
	int fd = -1;
	char *req = NULL, *reply = NULL;
	int ret = parse_args(argc, argv, &a);
	if (ret != CTL_OK)
		return ret;
	req = request_line(&a);
	if (req == NULL)
		return fail(CTL_EPROTO, "out of memory");
	if (strlen(req) > GW_CONTROL_REQUEST_MAX) {
		free(req);
		return fail(CTL_EUSAGE, "arguments too long for one request (%d octets at most)",
		            GW_CONTROL_REQUEST_MAX);
	}
	ret = connect_socket(a.socket, &fd);
	if (ret == CTL_OK)
		ret = send_all(fd, req, strlen(req), a.socket);
	if (ret == CTL_OK)
		ret = read_reply(fd, a.socket, &reply);
	if (ret == CTL_OK)
		ret = handle_reply(&a, reply);
	if (fd >= 0)
		close(fd);
	free(req);
	free(reply);
	if (fflush(stdout) != 0 && ret == CTL_OK)
		ret = fail(CTL_EPROTO, "cannot write the output: %s", strerror(errno));
	return ret;
}
