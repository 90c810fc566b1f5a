/* The zone policy's matcher (mdns/policy.h). */
#include <stdlib.h>

#include "mdns/policy.h"

void mdns_policy_deinit(mdns_policy_t *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->rule_count; i++) {
		free(p->rules[i].type);
		free(p->rules[i].instance);
		free(p->rules[i].host);
		free(p->rules[i].link);
	}
	free(p->rules);
	p->rules = NULL;
	p->rule_count = 0;
}
