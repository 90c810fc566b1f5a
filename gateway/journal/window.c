/* Reading the journal's file through a bounded window: a buffer of a
 * fixed size refilled from the file as the reader moves on, so that a
 * restart holds a window of the file in memory, not the whole file (at
 * 100 000 services the snapshot alone is some 160 MiB). The window only
 * grows when one read asks for more than it holds, which a reader asks
 * for one RR (at most 65 800 octets) or one record head at a time. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "common/file.h"
#include "gateway/journal/internal.h"

int gw_jwin_init(gw_jwin_t *w, int fd, size_t cap)
{
	struct stat st;

	memset(w, 0, sizeof(*w));
	w->fd = fd;
	if (fstat(fd, &st) != 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return S_ISDIR(st.st_mode) ? -EISDIR : GW_EIO;
	w->size = (uint64_t)st.st_size;
	w->cap = cap > 0 ? cap : GW_JWIN_SIZE;
	w->buf = malloc(w->cap);
	return w->buf != NULL ? GW_OK : GW_ENOMEM;
}

void gw_jwin_deinit(gw_jwin_t *w)
{
	free(w->buf);
	w->buf = NULL;
}

int gw_jwin_get(gw_jwin_t *w, uint64_t off, size_t n, const uint8_t **p)
{
	if (off > w->size || n > w->size - off)
		return GW_EIO;
	if (off >= w->start && off + n <= w->start + w->len) {
		*p = w->buf + (off - w->start);
		return GW_OK;
	}
	if (n > w->cap) {
		uint8_t *grown = realloc(w->buf, n);
		if (grown == NULL)
			return GW_ENOMEM;
		w->buf = grown;
		w->cap = n;
	}
	/* Readers move forward: the window restarts at off. */
	size_t want = w->size - off < w->cap ? (size_t)(w->size - off) : w->cap;
	size_t got = 0;
	w->start = off;
	w->len = 0;
	int ret = gw_file_read_full(w->fd, w->buf, want, (off_t)off, &got);
	if (ret != GW_OK)
		return ret;
	w->len = got;
	if (got < n)
		return GW_EIO; /* the file shrank under us */
	*p = w->buf;
	return GW_OK;
}

int gw_jwin_rr(gw_jwin_t *w, uint64_t off, uint64_t end, const uint8_t **p, size_t *len)
{
	/* The owner and fixed fields first, then the whole RR: a small
	 * window is not made to hold the largest RR possible. */
	uint64_t left = end - off;
	size_t head = left < ZONE_NAME_MAXLEN + DNS_RR_FIXED_LEN
	                  ? (size_t)left
	                  : ZONE_NAME_MAXLEN + DNS_RR_FIXED_LEN;
	int ret = gw_jwin_get(w, off, head, p);
	if (ret != GW_OK)
		return ret;
	int nlen = zone_name_len(*p, head);
	if (nlen < 0 || (size_t)nlen + DNS_RR_FIXED_LEN > head)
		return GW_EMALFORMED;
	size_t rdlen = (size_t)(*p)[nlen + 8] << 8 | (*p)[nlen + 9];
	size_t n = (size_t)nlen + DNS_RR_FIXED_LEN + rdlen;
	if (n > left)
		return GW_EMALFORMED;
	ret = gw_jwin_get(w, off, n, p);
	if (ret == GW_OK)
		*len = n;
	return ret;
}

int gw_jwin_crc(gw_jwin_t *w, uint64_t off, uint64_t n, uint32_t *crc)
{
	uint32_t c = 0;
	while (n > 0) {
		size_t k = n < w->cap ? (size_t)n : w->cap;
		const uint8_t *p;
		int ret = gw_jwin_get(w, off, k, &p);
		if (ret != GW_OK)
			return ret;
		c = gw_journal_crc32(c, p, k);
		off += k;
		n -= k;
	}
	*crc = c;
	return GW_OK;
}
