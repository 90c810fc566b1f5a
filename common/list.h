/* Intrusive doubly linked lists: the head is a plain pointer to the first
 * element, and each element has a prev and a next member, named by the
 * caller so that one element can sit on lists of different kinds.
 * Macros, because the element types differ; head and elem are evaluated
 * more than once. */
#pragma once

#include <stddef.h>

/* Put elem first. */
#define GW_DLIST_PUSH(head, elem, prev, next)                                                      \
	do {                                                                                       \
		(elem)->prev = NULL;                                                               \
		(elem)->next = (head);                                                             \
		if ((head) != NULL)                                                                \
			(head)->prev = (elem);                                                     \
		(head) = (elem);                                                                   \
	} while (0)

/* Take elem (on the list) out; its own links are left as they were. */
#define GW_DLIST_UNLINK(head, elem, prev, next)                                                    \
	do {                                                                                       \
		if ((elem)->prev != NULL)                                                          \
			(elem)->prev->next = (elem)->next;                                         \
		else                                                                               \
			(head) = (elem)->next;                                                     \
		if ((elem)->next != NULL)                                                          \
			(elem)->next->prev = (elem)->prev;                                         \
	} while (0)
