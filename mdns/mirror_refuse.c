/* What the mirror refuses, told in log lines limited per link and kind:
 * one line per minute, and a count of what was left untold. */
#include "mdns/mirror_internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "common/clock.h"
#include "common/log.h"

#define MINUTE_NS (60ULL * 1000000000ULL)

static const char *const refused_what[MDNS_MIRROR_REFUSED_KINDS] = {
    "services (limit per link)",
    "service types (limit per link)",
    "records (limit per name)",
    "TXT records (size limit)",
    "changes (limit per second, deferred)",
    "names (too long once rewritten)",
    "names (gateway-owned)",
    "records (not valid DNS-SD)",
    "names (a \"*\" label)",
    "services (limit per host)",
    "services (limit per address)",
};

const char *mdns_mirror_refused_str(mdns_mirror_refused_t kind)
{
	static const char *const names[MDNS_MIRROR_REFUSED_KINDS] = {
	    [MDNS_MIRROR_REFUSED_SERVICES] = "services", [MDNS_MIRROR_REFUSED_TYPES] = "types",
	    [MDNS_MIRROR_REFUSED_RECORDS] = "records",   [MDNS_MIRROR_REFUSED_TXT] = "txt_size",
	    [MDNS_MIRROR_REFUSED_RATE] = "rate",         [MDNS_MIRROR_REFUSED_LENGTH] = "length",
	    [MDNS_MIRROR_REFUSED_RESERVED] = "reserved", [MDNS_MIRROR_REFUSED_INVALID] = "invalid",
	    [MDNS_MIRROR_REFUSED_WILDCARD] = "wildcard", [MDNS_MIRROR_REFUSED_HOST] = "host",
	    [MDNS_MIRROR_REFUSED_ADDRESS] = "address",
	};
	return (unsigned)kind < MDNS_MIRROR_REFUSED_KINDS ? names[kind] : "?";
}

void mirror_refuse(mdns_mirror_t *m, mlink_t *l, mdns_mirror_refused_t kind, const char *fmt, ...)
{
	m->stats.refused[kind]++;
	ratelog_t *rl = &l->log[kind];
	uint64_t now = gw_clock_mono_ns();
	if (rl->window_ns != 0 && now - rl->window_ns < MINUTE_NS) {
		rl->suppressed++;
		if (!ev_is_active(&m->logflush))
			ev_timer_again(m->loop, &m->logflush);
		return;
	}
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (rl->suppressed > 0)
		gw_warn("link %s: %s (and %" PRIu64 " more %s since the last such line)", l->label,
		        msg, rl->suppressed, refused_what[kind]);
	else
		gw_warn("link %s: %s", l->label, msg);
	rl->window_ns = now;
	rl->suppressed = 0;
}

/* Counts of what was refused silently during a minute, so that one line
 * per kind per link per minute tells the whole story; at shutdown
 * (all) whatever is pending is told too. Returns whether counts remain. */
bool mirror_logs_flush(mdns_mirror_t *m, bool all)
{
	uint64_t now = gw_clock_mono_ns();
	bool pending = false;
	for (mlink_t *l = m->links; l != NULL; l = l->next) {
		for (int k = 0; k < MDNS_MIRROR_REFUSED_KINDS; k++) {
			ratelog_t *rl = &l->log[k];
			if (rl->suppressed == 0)
				continue;
			if (!all && now - rl->window_ns < MINUTE_NS) {
				pending = true;
				continue;
			}
			gw_warn("link %s: %" PRIu64 " more %s refused since the last such line",
			        l->label, rl->suppressed, refused_what[k]);
			rl->suppressed = 0;
			rl->window_ns = now;
		}
	}
	return pending;
}

void mirror_on_logflush(struct ev_loop *loop, ev_timer *w, int revents)
{
	mdns_mirror_t *m = container_of(w, mdns_mirror_t, logflush);
	if (!mirror_logs_flush(m, false))
		ev_timer_stop(loop, w);
}
