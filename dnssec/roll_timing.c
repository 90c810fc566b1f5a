/* RFC 7583 intervals. Each is the minimum the RFC derives; nothing here
 * shortens one, so a configured delay can only make a rollover slower. */
#include "dnssec/roll_timing.h"

void sig_roll_intervals(const sig_roll_inputs_t *in, sig_roll_intervals_t *out)
{
	uint64_t dprp = in->propagation_delay;

	out->publish = dprp + in->dnskey_ttl;
	out->publish_sep = out->publish;
	/* RFC 5011 2.4.1: a resolver adds a new trust anchor only after it has
	 * seen the key for the hold-down time, counted from when the key
	 * reached it, i.e. at most Dprp after publication. */
	if (in->hold_down > 0 && dprp + in->hold_down > out->publish_sep)
		out->publish_sep = dprp + in->hold_down;
	out->retire_sigs = (uint64_t)in->sign_delay + dprp + in->max_zone_ttl;
	out->parent = (uint64_t)in->parent_propagation + in->parent_ds_ttl;
	out->remove = dprp + in->dnskey_ttl;
	out->revoke = 0;
	if (in->hold_down > 0)
		out->revoke =
		    dprp + in->hold_down > out->remove ? dprp + in->hold_down : out->remove;
}
