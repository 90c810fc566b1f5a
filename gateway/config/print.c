/* The effective configuration as YAML (--check-config -v): every key of
 * the schema table, in its order, as its type prints it. */
#include "common/error.h"
#include "gateway/config/internal.h"

/* A YAML double-quoted scalar that loads back to the same bytes. */
void print_string(FILE *fp, const char *s)
{
	if (s == NULL) {
		fputs("null", fp);
		return;
	}
	fputc('"', fp);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(fp, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(fp, "\\x%02x", c);
		else
			fputc(c, fp);
	}
	fputc('"', fp);
}

void print_list_head(FILE *fp, const char *key, size_t n, int indent)
{
	fprintf(fp, "%*s%s:%s\n", indent, "", key, n == 0 ? " []" : "");
}

void print_string_list(FILE *fp, const char *key, char *const *items, size_t n, int indent)
{
	print_list_head(fp, key, n, indent);
	for (size_t i = 0; i < n; i++) {
		fprintf(fp, "%*s- ", indent + 2, "");
		print_string(fp, items[i]);
		fputc('\n', fp);
	}
}

/* The largest of G, M, k that divides size, as parse_size() reads it. */
void format_size(uint64_t size, char *buf, size_t len)
{
	if (size == 0)
		snprintf(buf, len, "0");
	else if (size % (1ULL << 30) == 0)
		snprintf(buf, len, "%lluG", (unsigned long long)(size >> 30));
	else if (size % (1ULL << 20) == 0)
		snprintf(buf, len, "%lluM", (unsigned long long)(size >> 20));
	else if (size % 1024 == 0)
		snprintf(buf, len, "%lluk", (unsigned long long)(size >> 10));
	else
		snprintf(buf, len, "%llu", (unsigned long long)size);
}

int gw_config_print(const gw_config_t *cfg, FILE *fp)
{
	fprintf(fp, "# effective configuration (%s)\n",
	        cfg->source != NULL ? cfg->source : "built-in defaults");
	schema_print(cfg, fp);
	fflush(fp);
	return ferror(fp) ? GW_EIO : GW_OK;
}
