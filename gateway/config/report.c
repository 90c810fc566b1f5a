/* The problems of one load: kept sorted by position, bounded, quoted. */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "gateway/config/internal.h"

void gw_config_errors_init(gw_config_errors_t *errs)
{
	memset(errs, 0, sizeof(*errs));
}

void gw_config_errors_deinit(gw_config_errors_t *errs)
{
	if (errs == NULL)
		return;
	for (size_t i = 0; i < errs->count; i++)
		free(errs->items[i].text);
	free(errs->items);
	memset(errs, 0, sizeof(*errs));
}

bool sink_full(sink_t *s)
{
	if (s->errs->count - s->base < GW_CONFIG_ERRORS_MAX)
		return false;
	s->failed = true;
	s->errs->omitted++;
	return true;
}

static void sink_vadd(sink_t *s, unsigned line, unsigned col, const char *fmt, va_list ap)
{
	gw_config_errors_t *e = s->errs;
	char msg[MESSAGE_MAX];
	int n;

	/* A file of a million unknown keys must not cost a million messages. */
	if (sink_full(s))
		return;
	s->failed = true;
	if (line > 0)
		n = snprintf(msg, sizeof(msg), "%s:%u:%u: ", s->name, line, col);
	else
		n = snprintf(msg, sizeof(msg), "%s: ", s->name);
	if (n < 0 || (size_t)n >= sizeof(msg) / 2)
		n = 0; /* an absurdly long file name: keep the message itself */
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);

	gw_config_error_t *items = realloc(e->items, (e->count + 1) * sizeof(*items));
	if (items == NULL) {
		s->oom = true;
		e->omitted++;
		return;
	}
	e->items = items;
	char *text = strdup(msg);
	if (text == NULL) {
		s->oom = true;
		e->omitted++;
		return;
	}
	/* Insertion sort by position: problems are found schema-first, read
	 * file-first. Equal positions keep the order they were found in. */
	size_t i = e->count;
	while (i > s->base && (items[i - 1].line > line ||
	                       (items[i - 1].line == line && items[i - 1].col > col))) {
		items[i] = items[i - 1];
		i--;
	}
	items[i] = (gw_config_error_t){.text = text, .line = line, .col = col};
	e->count++;
}

void sink_add(sink_t *s, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sink_vadd(s, line, col, fmt, ap);
	va_end(ap);
}

/* libyaml counts lines and columns from 0; editors from 1. */
void sink_add_mark(sink_t *s, const yaml_mark_t *mark, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sink_vadd(s, (unsigned)mark->line + 1, (unsigned)mark->column + 1, fmt, ap);
	va_end(ap);
}

void log_errors(const gw_config_errors_t *errs)
{
	for (size_t i = 0; i < errs->count; i++)
		gw_err("%s", errs->items[i].text);
	if (errs->omitted > 0)
		gw_err("%zu more configuration problems not shown", errs->omitted);
}

/* User text inside a message: bounded, one line, control bytes escaped. */
const char *quote(char *buf, size_t len, const char *text, size_t text_len)
{
	size_t o = 0;
	for (size_t i = 0; i < text_len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (o + 8 >= len || i >= QUOTE_MAX) {
			memcpy(buf + o, "...", 4);
			return buf;
		}
		if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
	return buf;
}
