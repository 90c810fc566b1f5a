/* Aligned columns for the human output. */
#include <stdlib.h>
#include <string.h>

#include "gateway/ctl/ctl.h"

void ctl_table_init(ctl_table_t *t, size_t cols)
{
	memset(t, 0, sizeof(*t));
	t->cols = cols;
}

bool ctl_table_add(ctl_table_t *t, const char *const *cells)
{
	if (t->rows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **more = realloc(t->cells, cap * t->cols * sizeof(*more));
		if (more == NULL)
			return false;
		t->cells = more;
		t->cap = cap;
	}
	char **row = &t->cells[t->rows * t->cols];
	for (size_t i = 0; i < t->cols; i++) {
		row[i] = strdup(cells[i] != NULL ? cells[i] : "-");
		if (row[i] == NULL) {
			while (i-- > 0)
				free(row[i]);
			return false;
		}
	}
	t->rows++;
	return true;
}

/* Columns of a terminal: one per character, so UTF-8 continuation octets
 * take none. */
static size_t width(const char *s)
{
	size_t w = 0;
	for (; *s != '\0'; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

void ctl_table_print(const ctl_table_t *t, FILE *fp, int indent)
{
	size_t w[CTL_TABLE_COLS] = {0};
	for (size_t r = 0; r < t->rows; r++) {
		for (size_t c = 0; c < t->cols && c < CTL_TABLE_COLS; c++) {
			size_t n = width(t->cells[r * t->cols + c]);
			if (n > w[c])
				w[c] = n;
		}
	}
	for (size_t r = 0; r < t->rows; r++) {
		fprintf(fp, "%*s", indent, "");
		for (size_t c = 0; c < t->cols; c++) {
			const char *cell = t->cells[r * t->cols + c];
			if (c + 1 == t->cols || c >= CTL_TABLE_COLS)
				fprintf(fp, "%s", cell);
			else
				fprintf(fp, "%s%*s  ", cell, (int)(w[c] - width(cell)), "");
		}
		fputc('\n', fp);
	}
}

void ctl_table_deinit(ctl_table_t *t)
{
	for (size_t i = 0; i < t->rows * t->cols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}
