/* A link's label: the one DNS label its services are under. RFC 8766
 * section 5.3 lets it be rich text ("Building 1", "Bibliothèque"), so
 * the only limits are DNS's and DNS-SD's, not LDH's. */
#include "mdns/mdns.h"

#include <string.h>

#include "common/error.h"
#include "common/utf8.h"
#include "common/word.h"
#include "zones/zone.h"

const char *mdns_link_label_problem(const char *text)
{
	size_t len = strlen(text);
	if (len == 0)
		return "it is empty; give 1 to 63 octets of text";
	if (len > 63)
		return "it is over 63 octets (UTF-8), the most one DNS label holds; shorten it";
	if (!gw_utf8_printable((const uint8_t *)text, len)) {
		for (size_t i = 0; i < len; i++) {
			if ((uint8_t)text[i] < 0x20 || text[i] == 0x7f)
				return "it holds a control character; use printable text";
		}
		return "it is not valid UTF-8; save the file as UTF-8";
	}
	/* DNS could hold these, but they would change what the name means. */
	if (strcmp(text, "*") == 0)
		return "a lone '*' is a wildcard to DNS (RFC 4592); use another name";
	if (strcmp(text, "@") == 0)
		return "'@' stands for the zone apex in zone files and in browse-domains; use "
		       "another "
		       "name";
	if (text[0] == '_')
		return "a label starting with '_' is DNS-SD structure (_tcp, _sub, _services); "
		       "start with another character";
	/* A search domain or a resolv.conf line cannot write a dot that is
	 * not a separator: the link could not be handed out as text. */
	if (memchr(text, '.', len) != NULL)
		return "a dot inside the label would read as two labels in zone files, search "
		       "domains and browse-domains; use a space or a hyphen, e.g. lan two";
	return NULL;
}

bool mdns_label_equal(const char *a, const char *b)
{
	size_t len = strlen(a);
	return len == strlen(b) && gw_octets_equal_ci((const uint8_t *)a, (const uint8_t *)b, len);
}

int mdns_label_name_str(char *buf, size_t len, const char *label, const uint8_t *domain)
{
	uint8_t name[ZONE_NAME_MAXLEN];
	size_t llen = strlen(label);
	int dlen = zone_name_len(domain, ZONE_NAME_MAXLEN);
	if (len > 0)
		buf[0] = '\0';
	if (llen == 0 || llen > 63 || dlen < 1 || 1 + llen + (size_t)dlen > ZONE_NAME_MAXLEN)
		return GW_EINVAL;
	name[0] = (uint8_t)llen;
	memcpy(name + 1, label, llen);
	memcpy(name + 1 + llen, domain, (size_t)dlen);
	return zone_name_to_str(buf, len, name);
}
