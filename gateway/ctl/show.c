/* The human form of each reply: short lines and aligned tables that a
 * person reads; --json gives the data itself. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/str_table.h"
#include "gateway/ctl/ctl.h"

json_object *ctl_get(json_object *o, const char *key)
{
	json_object *v = NULL;
	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    json_object_is_type(v, json_type_null))
		return NULL;
	return v;
}

const char *ctl_str(json_object *o, const char *key)
{
	json_object *v = ctl_get(o, key);
	return v != NULL ? json_object_get_string(v) : "-";
}

long long ctl_num(json_object *o, const char *key)
{
	json_object *v = ctl_get(o, key);
	return v != NULL ? (long long)json_object_get_int64(v) : 0;
}

static size_t count(json_object *arr)
{
	return arr != NULL && json_object_is_type(arr, json_type_array)
	           ? json_object_array_length(arr)
	           : 0;
}

/* "2h 3m 4s" */
static void duration(char *buf, size_t len, long long s)
{
	if (s >= 86400)
		snprintf(buf, len, "%lldd %lldh %lldm", s / 86400, s / 3600 % 24, s / 60 % 60);
	else if (s >= 3600)
		snprintf(buf, len, "%lldh %lldm %llds", s / 3600, s / 60 % 60, s % 60);
	else if (s >= 60)
		snprintf(buf, len, "%lldm %llds", s / 60, s % 60);
	else
		snprintf(buf, len, "%llds", s);
}

static bool show_status(json_object *d, FILE *fp)
{
	char up[64];
	duration(up, sizeof(up), ctl_num(d, "uptime_seconds"));
	fprintf(fp, "dnssd-gateway %s, up %s (since %s), log level %s, %lld reloads\n",
	        ctl_str(d, "version"), up, ctl_str(d, "started"), ctl_str(d, "log_level"),
	        ctl_num(d, "reloads"));
	fprintf(fp, "configuration: %s\n",
	        ctl_get(d, "config") ? ctl_str(d, "config") : "(built-in defaults)");
	json_object *zones = ctl_get(d, "zones");
	for (size_t i = 0; i < count(zones); i++) {
		json_object *z = json_object_array_get_idx(zones, i);
		json_object *last = ctl_get(z, "last_commit");
		fprintf(fp, "zone %s: serial %lld", ctl_str(z, "name"), ctl_num(z, "serial"));
		if (ctl_get(last, "time") != NULL)
			fprintf(
			    fp, ", %lld commits since the start, the last at %s (serial %lld)\n",
			    ctl_num(z, "commits"), ctl_str(last, "time"), ctl_num(last, "serial"));
		else
			fprintf(fp, ", no commit since the start\n");
		json_object *s = ctl_get(z, "dnssec");
		if (s == NULL || !json_object_get_boolean(ctl_get(s, "enabled"))) {
			fprintf(fp, "  DNSSEC: off (the zone is served unsigned)\n");
			continue;
		}
		fprintf(
		    fp,
		    "  DNSSEC: %s, %s, %lld key%s; earliest signature expiry %s, next refresh %s\n",
		    ctl_str(s, "algorithm"), ctl_str(s, "denial"), ctl_num(s, "keys"),
		    gw_plural_s(ctl_num(s, "keys")), ctl_str(s, "earliest_expiry"),
		    ctl_str(s, "next_refresh"));
	}
	json_object *m = ctl_get(d, "mdns");
	if (m != NULL)
		fprintf(fp,
		        "mDNS: %s; %lld link%s (%lld active), %lld service%s, %lld record%s "
		        "published\n",
		        json_object_get_boolean(ctl_get(m, "discovery")) ? "discovering"
		                                                         : "off (saved state only)",
		        ctl_num(m, "links"), gw_plural_s(ctl_num(m, "links")),
		        ctl_num(m, "links_active"), ctl_num(m, "services"),
		        gw_plural_s(ctl_num(m, "services")), ctl_num(m, "records_published"),
		        gw_plural_s(ctl_num(m, "records_published")));
	return zones != NULL;
}

static bool show_links(json_object *d, FILE *fp)
{
	json_object *links = ctl_get(d, "links");
	ctl_table_t t;
	char ifindex[16], svcs[16], types[16];
	if (links == NULL)
		return false;
	if (count(links) == 0) {
		fprintf(fp, "no links\n");
		return true;
	}
	ctl_table_init(&t, 7);
	bool ok = ctl_table_add(&t, (const char *[]){"LINK", "INTERFACE", "IFINDEX", "STATE",
	                                             "SERVICES", "TYPES", "NAME"});
	for (size_t i = 0; ok && i < count(links); i++) {
		json_object *l = json_object_array_get_idx(links, i);
		snprintf(ifindex, sizeof(ifindex), "%lld", ctl_num(l, "ifindex"));
		snprintf(svcs, sizeof(svcs), "%lld", ctl_num(l, "services"));
		snprintf(types, sizeof(types), "%lld", ctl_num(l, "types"));
		ok = ctl_table_add(&t, (const char *[]){ctl_str(l, "label"), ctl_str(l, "ifname"),
		                                        ctl_num(l, "ifindex") ? ifindex : "-",
		                                        ctl_str(l, "state"), svcs, types,
		                                        ctl_str(l, "dns_name")});
	}
	ctl_table_print(&t, fp, 0);
	ctl_table_deinit(&t);
	/* A link the zone file delegates away shows nothing: said under the
	 * table, where the counts above would mislead. */
	for (size_t i = 0; ok && i < count(links); i++) {
		json_object *l = json_object_array_get_idx(links, i);
		json_object *zones = ctl_get(l, "delegated_in");
		for (size_t k = 0; zones != NULL && k < count(zones); k++)
			fprintf(fp,
			        "link %s: the zone file of %s delegates its subdomain; nothing of "
			        "it is "
			        "published there\n",
			        ctl_str(l, "label"),
			        json_object_get_string(json_object_array_get_idx(zones, k)));
	}
	return ok;
}

static bool show_services(json_object *d, FILE *fp)
{
	json_object *svcs = ctl_get(d, "services");
	ctl_table_t t;
	char port[8], addrs[16];
	if (svcs == NULL)
		return false;
	if (count(svcs) > 0) {
		ctl_table_init(&t, 6);
		bool ok = ctl_table_add(
		    &t, (const char *[]){"LINK", "TYPE", "INSTANCE", "HOST", "PORT", "ADDRESSES"});
		for (size_t i = 0; ok && i < count(svcs); i++) {
			json_object *s = json_object_array_get_idx(svcs, i);
			snprintf(port, sizeof(port), "%lld", ctl_num(s, "port"));
			snprintf(addrs, sizeof(addrs), "%lld", ctl_num(s, "addresses"));
			ok = ctl_table_add(&t,
			                   (const char *[]){ctl_str(s, "link"), ctl_str(s, "type"),
			                                    ctl_str(s, "instance"),
			                                    ctl_str(s, "host"), port, addrs});
		}
		ctl_table_print(&t, fp, 0);
		ctl_table_deinit(&t);
		if (!ok)
			return false;
	}
	fprintf(fp, "%lld services", ctl_num(d, "total"));
	if (ctl_get(d, "link") != NULL)
		fprintf(fp, " on link %s", ctl_str(d, "link"));
	fprintf(fp, " in %s", ctl_str(d, "zone"));
	if (ctl_num(d, "omitted") > 0)
		fprintf(fp, "; %lld not listed (the first %lld are)", ctl_num(d, "omitted"),
		        ctl_num(d, "listed"));
	fputc('\n', fp);
	return true;
}

static bool show_refused(json_object *d, FILE *fp)
{
	json_object *lim = ctl_get(d, "limits"), *counts = ctl_get(d, "counts");
	json_object *reasons = ctl_get(d, "reasons"), *recent = ctl_get(d, "recent");
	if (lim == NULL || counts == NULL)
		return false;
	fprintf(fp,
	        "limits per link: %lld services, %lld records per name, %lld octets of TXT, %lld "
	        "changes per second, services per host %lld, per address %lld (0: automatic)\n",
	        ctl_num(lim, "services_per_link"), ctl_num(lim, "records_per_name"),
	        ctl_num(lim, "txt_size"), ctl_num(lim, "changes_per_second"),
	        ctl_num(lim, "services_per_host"), ctl_num(lim, "services_per_address"));
	fprintf(fp, "refused since the start: %lld", ctl_num(d, "total"));
	fprintf(fp, "; addresses not published (link-local, ...): %lld\n",
	        ctl_num(d, "filtered_addresses"));
	json_object_object_foreach(counts, reason, n)
	{
		if (json_object_get_int64(n) > 0)
			fprintf(fp, "  %8" PRId64 "  %s\n", json_object_get_int64(n),
			        ctl_get(reasons, reason) ? ctl_str(reasons, reason) : reason);
	}
	if (count(recent) == 0)
		return true;
	fprintf(fp, "most recent first:\n");
	ctl_table_t t;
	ctl_table_init(&t, 5);
	bool ok = ctl_table_add(&t, (const char *[]){"TIME", "LINK", "REASON", "NAME", "DETAIL"});
	for (size_t i = 0; ok && i < count(recent); i++) {
		json_object *r = json_object_array_get_idx(recent, i);
		ok = ctl_table_add(&t, (const char *[]){ctl_str(r, "time"), ctl_str(r, "link"),
		                                        ctl_str(r, "reason"), ctl_str(r, "name"),
		                                        ctl_str(r, "detail")});
	}
	ctl_table_print(&t, fp, 2);
	ctl_table_deinit(&t);
	return ok;
}

static void transfer_line(json_object *x, FILE *fp, const char *lead)
{
	fprintf(fp, "%s%s at %s, serial %lld (%lld transfers since the start)\n", lead,
	        ctl_str(x, "kind"), ctl_str(x, "time"), ctl_num(x, "serial"), ctl_num(x, "count"));
}

static bool show_secondaries(json_object *d, FILE *fp)
{
	json_object *targets = ctl_get(d, "notify"), *xfrs = ctl_get(d, "transfers");
	if (targets == NULL || xfrs == NULL)
		return false;
	if (count(targets) == 0)
		fprintf(fp, "no NOTIFY targets (transfer.notify)\n");
	for (size_t i = 0; i < count(targets); i++) {
		json_object *t = json_object_array_get_idx(targets, i);
		json_object *sent = ctl_get(t, "last_sent"), *ans = ctl_get(t, "last_answer");
		json_object *x = ctl_get(t, "last_transfer");
		fprintf(fp, "secondary %s%s%s: %s", ctl_str(t, "address"),
		        ctl_get(t, "key") ? ", key " : "",
		        ctl_get(t, "key") ? ctl_str(t, "key") : "", ctl_str(t, "result"));
		if (strcmp(ctl_str(t, "result"), "error rcode") == 0 && ans != NULL)
			fprintf(fp, " %lld", ctl_num(ans, "rcode"));
		if (ctl_get(t, "zone") != NULL)
			fprintf(fp, " (zone %s)", ctl_str(t, "zone"));
		fputc('\n', fp);
		if (sent != NULL)
			fprintf(fp, "  NOTIFY sent    %s, serial %lld, %lld tries\n",
			        ctl_str(sent, "time"), ctl_num(sent, "serial"),
			        ctl_num(sent, "tries"));
		if (ans != NULL)
			fprintf(fp, "  answered       %s, serial %lld, rcode %lld\n",
			        ctl_str(ans, "time"), ctl_num(ans, "serial"),
			        ctl_num(ans, "rcode"));
		if (x != NULL)
			transfer_line(x, fp, "  last transfer  ");
		else
			fprintf(fp, "  last transfer  none since the start\n");
	}
	if (count(xfrs) == 0) {
		fprintf(fp, "no transfers since the start\n");
		return true;
	}
	fprintf(fp, "transfers, most recent first:\n");
	ctl_table_t t;
	char serial[16], n[24];
	ctl_table_init(&t, 5);
	bool ok = ctl_table_add(&t, (const char *[]){"CLIENT", "KIND", "TIME", "SERIAL", "COUNT"});
	for (size_t i = 0; ok && i < count(xfrs); i++) {
		json_object *x = json_object_array_get_idx(xfrs, i);
		snprintf(serial, sizeof(serial), "%lld", ctl_num(x, "serial"));
		snprintf(n, sizeof(n), "%lld", ctl_num(x, "count"));
		ok = ctl_table_add(&t, (const char *[]){ctl_str(x, "address"), ctl_str(x, "kind"),
		                                        ctl_str(x, "time"), serial, n});
	}
	ctl_table_print(&t, fp, 2);
	ctl_table_deinit(&t);
	return ok;
}

/* The list member of a keys or ds answer d when its zone is signed.
 * Else NULL, with *ok false when d has no such member, or true once the
 * zone is said to be unsigned (not_signed after its name). */
static json_object *signed_list(json_object *d, const char *member, const char *not_signed,
                                FILE *fp, bool *ok)
{
	json_object *list = ctl_get(d, member);
	*ok = list != NULL;
	if (list == NULL || json_object_get_boolean(ctl_get(d, "dnssec")))
		return list;
	fprintf(fp, "zone %s is not signed%s\n", ctl_str(d, "zone"), not_signed);
	return NULL;
}

static bool show_keys(json_object *d, FILE *fp)
{
	bool ok;
	json_object *keys = signed_list(d, "keys", " (dnssec.enable is off)", fp, &ok);
	if (keys == NULL)
		return ok;
	ctl_table_t t;
	char tag[8], flags[8], state[64];
	ctl_table_init(&t, 7);
	ok = ctl_table_add(&t, (const char *[]){"TAG", "ALGORITHM", "ROLE", "FLAGS", "CREATED",
	                                        "PUBLISHED", "STATE"});
	for (size_t i = 0; ok && i < count(keys); i++) {
		json_object *k = json_object_array_get_idx(keys, i);
		json_object *st = ctl_get(k, "state");
		snprintf(tag, sizeof(tag), "%lld", ctl_num(k, "tag"));
		snprintf(flags, sizeof(flags), "%lld", ctl_num(k, "flags"));
		state[0] = '\0';
		for (size_t j = 0; j < count(st); j++) {
			size_t used = strlen(state);
			snprintf(state + used, sizeof(state) - used, "%s%s", j > 0 ? "," : "",
			         json_object_get_string(json_object_array_get_idx(st, j)));
		}
		ok = ctl_table_add(
		    &t, (const char *[]){tag, ctl_str(k, "algorithm"), ctl_str(k, "role"), flags,
		                         ctl_str(k, "created"), ctl_str(k, "published"),
		                         state[0] ? state : "retired"});
	}
	ctl_table_print(&t, fp, 0);
	ctl_table_deinit(&t);
	json_object *r = ctl_get(d, "rollover");
	if (r != NULL) {
		fprintf(fp, "rollover: %s, step %s (key %lld -> %lld) since %s\n",
		        ctl_str(r, "kind"), ctl_str(r, "step"), ctl_num(r, "old_tag"),
		        ctl_num(r, "new_tag"), ctl_str(r, "since"));
		if (json_object_get_boolean(ctl_get(r, "waiting_for_ds")))
			fprintf(fp,
			        "next: waiting for the new DS at the parent (see 'dnssd-gatewayctl "
			        "ds'); run 'dnssd-gatewayctl ds-seen' once the parent serves it\n");
		else
			fprintf(fp, "next step at %s\n", ctl_str(r, "next"));
	} else {
		fprintf(fp, "rollover: none\n");
	}
	json_object *n = ctl_get(d, "next_rollover");
	if (n != NULL)
		fprintf(fp, "next rollover: %s at %s (key lifetime)\n", ctl_str(n, "kind"),
		        ctl_str(n, "at"));
	if (json_object_get_boolean(ctl_get(d, "cds_delete")))
		fprintf(fp, "CDS/CDNSKEY DELETE published: the parent may remove the DS (go-secure "
		            "undoes it)\n");
	return ok;
}

static bool show_ds(json_object *d, FILE *fp)
{
	bool ok;
	json_object *ds = signed_list(d, "ds", ": no DS", fp, &ok);
	/* Zone file form, ready for the parent (none when unsigned). */
	for (size_t i = 0; i < count(ds); i++)
		fprintf(fp, "%s\n", ctl_str(json_object_array_get_idx(ds, i), "text"));
	return ok;
}

/* Every counter of a section as "section.name  value" lines. */
static void counters(json_object *d, const char *section, FILE *fp)
{
	json_object *s = ctl_get(d, section);
	if (s == NULL) {
		fprintf(fp, "%s: not running\n", section);
		return;
	}
	json_object_object_foreach(s, key, val)
	{
		char name[96];
		snprintf(name, sizeof(name), "%s.%s", section, key);
		fprintf(fp, "%-36s %s\n", name, json_object_get_string(val));
	}
}

static bool show_stats(json_object *d, FILE *fp)
{
	static const char *const sections[] = {"zone", "server", "guard", "mirror", "notify"};
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		counters(d, sections[i], fp);
	return true;
}

static bool show_log_level(json_object *d, FILE *fp)
{
	fprintf(fp, "log level %s (was %s)\n", ctl_str(d, "level"), ctl_str(d, "previous"));
	return ctl_get(d, "level") != NULL;
}

static bool show_reload(json_object *d, FILE *fp)
{
	fprintf(fp, "%s\n", ctl_str(d, "report"));
	return ctl_get(d, "report") != NULL;
}

bool ctl_show(const char *command, json_object *data, FILE *fp)
{
	static const struct {
		const char *name;
		bool (*fn)(json_object *, FILE *);
	} shows[] = {
	    {"status", show_status},
	    {"links", show_links},
	    {"services", show_services},
	    {"refused", show_refused},
	    {"secondaries", show_secondaries},
	    {"keys", show_keys},
	    {"rollover", show_keys},
	    {"ds-seen", show_keys},
	    {"ds-confirm", show_keys},
	    {"go-insecure", show_keys},
	    {"go-secure", show_keys},
	    {"ds", show_ds},
	    {"stats", show_stats},
	    {"log-level", show_log_level},
	    {"reload", show_reload},
	};
	if (data == NULL || !json_object_is_type(data, json_type_object))
		return false;
	for (size_t i = 0; i < sizeof(shows) / sizeof(shows[0]); i++) {
		if (strcmp(shows[i].name, command) == 0)
			return shows[i].fn(data, fp);
	}
	return false;
}
