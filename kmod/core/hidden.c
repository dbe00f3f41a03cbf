// SPDX-License-Identifier: GPL-2.0
/*
 * hidden.c - judge the tasks the guest's scheduler ran against its task
 * list (see hidden.h).
 */
#include "hidden.h"

#define NG_SEEN_BITS	10
#if (1 << NG_SEEN_BITS) != NG_SEEN_SLOTS
#error "NG_SEEN_SLOTS must be 1 << NG_SEEN_BITS"
#endif

static bool kptr(u64 v)
{
	return v >= 0xff00000000000000ull;
}

static bool rd64(const struct ng_mmu *mmu, u64 va, u64 *v)
{
	u8 b[8];

	if (ng_read_virt(mmu, va, b, 8))
		return false;
	*v = ng_le64(b);
	return true;
}

void ng_seen_clear(struct ng_seen *s)
{
	memset(s, 0, sizeof(*s));
}

bool ng_seen_add(struct ng_seen *s, u64 addr)
{
	u32 h, i;

	if (!kptr(addr)) {
		s->bad++;
		return false;
	}
	h = (u32)(((addr >> 3) * 0x9e3779b97f4a7c15ull) >> (64 - NG_SEEN_BITS));
	for (i = 0; i < NG_SEEN_PROBES; i++) {
		u64 *p = &s->slot[(h + i) & (NG_SEEN_SLOTS - 1)];

		if (*p == addr)
			return true;
		if (!*p) {
			*p = addr;
			s->n++;
			return true;
		}
	}
	s->dropped++;
	return false;
}

int ng_tlist_alloc(struct ng_tlist *l, u32 cap)
{
	l->n = 0;
	l->cap = cap;
	l->addr = ng_alloc((size_t)cap * sizeof(u64));
	l->pid = ng_alloc((size_t)cap * sizeof(u32));
	if (!l->addr || !l->pid) {
		ng_tlist_free(l);
		return -ENOMEM;
	}
	return 0;
}

void ng_tlist_free(struct ng_tlist *l)
{
	ng_free(l->addr);
	ng_free(l->pid);
	l->addr = NULL;
	l->pid = NULL;
	l->n = l->cap = 0;
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static int cmp_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

int ng_tlist_read(struct ng_tlist *l, const struct ng_mmu *mmu,
		  u64 init_task, const struct ng_task_layout *lo)
{
	u64 head = init_task + lo->tasks, p = head, next, back;
	u32 n = 0;
	u8 b[4];

	l->n = 0;
	do {
		if (n >= l->cap)
			return -E2BIG;
		if (ng_read_virt(mmu, p - lo->tasks + lo->pid, b, 4))
			return -EFAULT;
		l->addr[n] = p - lo->tasks;
		l->pid[n] = ng_le32(b);
		n++;
		/* p->next->prev must be p: a list, not a chain of anything */
		if (!rd64(mmu, p, &next) || !kptr(next) ||
		    !rd64(mmu, next + 8, &back) || back != p)
			return -EFAULT;
		p = next;
		if (!(n & 255))
			ng_cond_resched();
	} while (p != head);
	ng_sort(l->addr, n, sizeof(u64), cmp_u64);
	ng_sort(l->pid, n, sizeof(u32), cmp_u32);
	l->n = n;
	return (int)n;
}

bool ng_tlist_has(const struct ng_tlist *l, u64 addr)
{
	u32 lo = 0, hi = l->n;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (l->addr[mid] == addr)
			return true;
		if (l->addr[mid] < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

bool ng_tlist_has_pid(const struct ng_tlist *l, u32 pid)
{
	u32 lo = 0, hi = l->n;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (l->pid[mid] == pid)
			return true;
		if (l->pid[mid] < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

bool ng_task_kthread(const struct ng_task_layout *lo, const struct ng_task *t)
{
	return lo->has_flags ? !!(t->flags & NG_PF_KTHREAD) : !t->mm;
}

void ng_hidden_init(struct ng_hidden *h)
{
	memset(h, 0, sizeof(*h));
}

void ng_hidden_resume(struct ng_hidden *h)
{
	memset(h->cand, 0, sizeof(h->cand));
}

static struct ng_hcand *cand_find(struct ng_hidden *h, u64 addr)
{
	u32 i;

	for (i = 0; i < NG_HID_CANDS; i++)
		if (h->cand[i].addr == addr)
			return &h->cand[i];
	return NULL;
}

static void cand_drop(struct ng_hidden *h, u64 addr)
{
	struct ng_hcand *c = cand_find(h, addr);

	if (c)
		memset(c, 0, sizeof(*c));
}

/* A free slot, or the one seen longest ago (counted). */
static struct ng_hcand *cand_new(struct ng_hidden *h)
{
	struct ng_hcand *old = &h->cand[0];
	u32 i;

	for (i = 0; i < NG_HID_CANDS; i++) {
		if (!h->cand[i].addr)
			return &h->cand[i];
		if (h->round - h->cand[i].last > h->round - old->last)
			old = &h->cand[i];
	}
	h->cands_full++;
	return old;
}

static bool reported(const struct ng_hidden *h, u64 addr, u32 pid)
{
	u32 i;

	for (i = 0; i < h->nrep; i++)
		if (h->rep_addr[i] == addr && h->rep_pid[i] == pid)
			return true;
	return false;
}

static void mark_reported(struct ng_hidden *h, u64 addr, u32 pid)
{
	h->rep_addr[h->rep_next] = addr;
	h->rep_pid[h->rep_next] = pid;
	h->rep_next = (h->rep_next + 1) % NG_HID_REPORTED;
	if (h->nrep < NG_HID_REPORTED)
		h->nrep++;
}

u32 ng_hidden_round(struct ng_hidden *h, const struct ng_mmu *mmu,
		    const struct ng_task_layout *lo, const struct ng_tlist *list,
		    const struct ng_seen *seen, struct ng_hfound *out, u32 max)
{
	struct ng_task t;
	u32 i, n = 0;

	h->round++;
	h->rounds++;
	/* on the list now, or gone for long: not a candidate any more */
	for (i = 0; i < NG_HID_CANDS; i++) {
		struct ng_hcand *c = &h->cand[i];

		if (c->addr && (ng_tlist_has(list, c->addr) ||
				h->round - c->last > NG_HID_TTL))
			memset(c, 0, sizeof(*c));
	}
	for (i = 0; i < NG_SEEN_SLOTS; i++) {
		u64 a = seen->slot[i];
		struct ng_hcand *c;

		if (!a || ng_tlist_has(list, a))
			continue;
		h->offlist++;
		if (ng_task_read(mmu, a, lo, &t)) {
			h->unreadable++;
			cand_drop(h, a);
			continue;
		}
		if (!t.pid && (!lo->has_flags || (t.flags & NG_PF_IDLE))) {
			h->idle++;
			continue;
		}
		if (t.pid != t.tgid && ng_tlist_has_pid(list, t.tgid)) {
			h->threads++;
			continue;
		}
		if (lo->has_flags && (t.flags & NG_PF_EXITING)) {
			h->exiting++;
			cand_drop(h, a);
			continue;
		}
		c = cand_find(h, a);
		if (c && (c->pid != t.pid || c->tgid != t.tgid ||
			  strcmp(c->comm, t.comm))) {
			memset(c, 0, sizeof(*c));	/* another task now */
			c = NULL;
		}
		if (!c) {
			c = cand_new(h);
			memset(c, 0, sizeof(*c));
			c->addr = a;
			c->pid = t.pid;
			c->tgid = t.tgid;
			memcpy(c->comm, t.comm, sizeof(c->comm));
			c->first = h->round;
		} else if (c->last == h->round) {
			continue;	/* cannot happen: a set has no twins */
		}
		c->sightings++;
		c->last = h->round;
		if (c->sightings < NG_HID_SIGHTINGS || n >= max ||
		    reported(h, a, t.pid))
			continue;
		out[n].task = t;
		out[n].kthread = ng_task_kthread(lo, &t);
		out[n].rounds = h->round - c->first;
		n++;
		h->found++;
		mark_reported(h, a, t.pid);
	}
	return n;
}
