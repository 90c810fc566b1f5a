/* dnssd-gatewayctl, private: the human form of each reply (show.c) and
 * the aligned tables it prints (table.c). Links only common/ and json-c. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <json-c/json.h>

/* Exit codes (also in --help and docs/control.md). */
enum {
	CTL_OK = 0,
	CTL_EDAEMON = 1,   /* the daemon answered with an error */
	CTL_EUSAGE = 2,    /* unknown command, wrong arguments */
	CTL_ENODAEMON = 3, /* nothing answers on the socket */
	CTL_EPERM = 4,     /* not allowed to use the socket */
	CTL_EPROTO = 5,    /* no reply, a broken reply, or out of memory */
};

/* ---- table.c ------------------------------------------------------------ */

#define CTL_TABLE_COLS 8

/* Rows of text cells printed with aligned columns. */
typedef struct ctl_table {
	size_t cols;
	char **cells; /* owned: rows * cols strings, each owned */
	size_t rows, cap;
} ctl_table_t;

void ctl_table_init(ctl_table_t *t, size_t cols);
/* Add a row of t->cols cells (NULL prints as "-"); false when out of
 * memory. */
bool ctl_table_add(ctl_table_t *t, const char *const *cells);
/* Print every row (the first is the header), columns two spaces apart, the
 * last one not padded, each line indented by indent spaces. */
void ctl_table_print(const ctl_table_t *t, FILE *fp, int indent);
void ctl_table_deinit(ctl_table_t *t);

/* ---- show.c ------------------------------------------------------------- */

/* Print data, the reply to command, for a person. false when it does not
 * have the shape the command gives (a daemon of another version). */
bool ctl_show(const char *command, json_object *data, FILE *fp);

/* Helpers shared by show.c's topics: a member of o (NULL when absent or
 * null), as text ("-" when absent), as a number (0 when absent). */
json_object *ctl_get(json_object *o, const char *key);
const char *ctl_str(json_object *o, const char *key);
long long ctl_num(json_object *o, const char *key);
