/* Entries whose data is in the file only: once an entry is appended
 * (and flushed), memory keeps its index (serials, counts, size, where
 * its record is) and drops the data, so that the journal's memory does
 * not grow with transfer.journal-size; an IXFR, or a rewrite, reads the
 * data back and checks it against the record's CRC. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ldns/util.h>

#include "common/error.h"
#include "common/file.h"
#include "common/log.h"
#include "gateway/journal/internal.h"

/* A damaged entry is logged at most this often (seconds). */
#define DAMAGE_LOG_EVERY 60

int gw_journal_read_at(int fd, void *buf, size_t len, off_t off)
{
	size_t got = 0;
	int ret = gw_file_read_full(fd, buf, len, off, &got);
	if (ret != GW_OK)
		return ret;
	return got == len ? GW_OK : GW_EIO; /* the file ends inside the record */
}

void gw_journal_to_disk(gw_journal_t *j, size_t i, uint64_t off)
{
	gw_journal_entry_t *e = j->entries[i];
	if (e->data == NULL) {
		e->off = off;
		return;
	}
	if (e->refs > 1) {
		/* An IXFR still sends it: it keeps the data, the journal takes
		 * an index of its own. Without memory, the data stays. */
		gw_journal_entry_t *idx = malloc(sizeof(*idx));
		if (idx == NULL)
			return;
		*idx = *e;
		idx->refs = 1;
		j->entries[i] = idx;
		gw_journal_entry_put(e);
		e = idx;
	} else {
		free(e->data);
	}
	e->data = NULL;
	e->off = off;
}

/* Why the record at e->off does not hold e, or NULL when it does. */
static const char *check_record(const gw_journal_entry_t *e, const uint8_t *head,
                                const uint8_t *data)
{
	uint32_t crc = gw_journal_crc32(0, head + REC_HEAD, ENTRY_HEAD);
	crc = gw_journal_crc32(crc, data, e->size);
	if (ldns_read_uint32(head) != ENTRY_HEAD + e->size || head[REC_HEAD] != REC_ENTRY)
		return "its length or kind changed";
	if (ldns_read_uint32(head + 4) != crc)
		return "its CRC does not match";
	if (ldns_read_uint32(head + REC_HEAD + 1) != e->from ||
	    ldns_read_uint32(head + REC_HEAD + 5) != e->to ||
	    ldns_read_uint32(head + REC_HEAD + 9) != e->removed ||
	    ldns_read_uint32(head + REC_HEAD + 13) != e->added)
		return "its serials or counts changed";
	return NULL;
}

int gw_journal_entry_load(gw_journal_t *j, int fd, const gw_journal_entry_t *e,
                          gw_journal_entry_t **out)
{
	uint8_t head[REC_HEAD + ENTRY_HEAD];
	const char *why = NULL;
	gw_journal_entry_t *c = malloc(sizeof(*c));
	uint8_t *data = malloc(e->size > 0 ? e->size : 1);
	int ret = GW_ENOMEM;

	if (c == NULL || data == NULL)
		goto out;
	ret = fd >= 0 ? gw_journal_read_at(fd, head, sizeof(head), (off_t)e->off) : GW_EIO;
	if (ret == GW_OK)
		ret = gw_journal_read_at(fd, data, e->size, (off_t)(e->off + sizeof(head)));
	if (ret == GW_OK && (why = check_record(e, head, data)) != NULL)
		ret = GW_EIO;
	if (ret != GW_OK) {
		time_t now = time(NULL);
		j->damaged++;
		if (now - j->damage_logged >= DAMAGE_LOG_EVERY) {
			gw_err(
			    "journal: the diff %u -> %u at offset %llu of %s cannot be read back "
			    "(%s); it and the older ones are dropped, secondaries behind it get "
			    "AXFR (%llu such errors so far)",
			    e->from, e->to, (unsigned long long)e->off, j->path,
			    why != NULL ? why : gw_strerror(ret), (unsigned long long)j->damaged);
			j->damage_logged = now;
		}
		goto out;
	}
	*c = *e;
	c->refs = 1;
	c->data = data;
	*out = c;
	c = NULL;
	data = NULL;
out:
	free(c);
	free(data);
	return ret;
}
