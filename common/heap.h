/* glibc's heap, tuned around bulk reads of text through ldns. */
#pragma once

/* ldns takes about 200 KB of scratch memory per record it reads from text
 * and frees it again. With glibc's trim threshold at its 128 KB that
 * memory goes back to the kernel after every record: three brk calls and
 * dozens of page faults per record, two thirds of the time of a large
 * zone load. Between gw_heap_bulk_begin() and gw_heap_bulk_end() the
 * threshold is 8 MB, which makes a 50 000 record file load about four
 * times faster.
 *
 * Only then: the threshold is process-wide and also bounds the free top
 * each thread's arena keeps (malloc_trim() does not trim a thread arena's
 * top). Left at 8 MB, each signing thread's arena held up to 8 MB it no
 * longer used, for the daemon's life. Bulks nest (a zone's load inside a
 * zone manager's start): the first begin raises it, the last end lowers
 * it. Elsewhere than glibc both do nothing. */
void gw_heap_bulk_begin(void);
void gw_heap_bulk_end(void);

/* Between these two every free gives back the top of its arena at once:
 * for freeing a bulk read's own blocks inside a longer bulk (a zone's
 * load inside a start), when they fill an arena of a thread of their
 * own that nothing may reuse (a restart starts no signing thread). */
void gw_heap_release_begin(void);
void gw_heap_release_end(void);

/* Give the free pages of every arena back to the kernel (malloc_trim()),
 * after freeing much in small blocks (a start's load and signing, a
 * journal rewrite, a reload's zone files read on another thread): glibc
 * keeps them resident otherwise. Milliseconds at 100 000 services: not
 * for the query or signing path. */
void gw_heap_give_back(void);

/* How many bulk reads are open (for tests). */
unsigned gw_heap_bulk_depth(void);
