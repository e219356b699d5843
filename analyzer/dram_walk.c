/* dram_walk.c — replays a step's passes (dram_walk.h) against an LRU cache of whole buffers.
 *
 * The stack distance of a pass is its buffer plus what every other pass touched since the
 * buffer's last pass (up to each instance of their buffers whole): a cyclic sweep longer than an
 * LRU cache evicts itself before it comes round, so a pass hits whole or misses whole. Dirty
 * data is conserved: everything written reaches DRAM exactly once, when it is evicted (a later
 * miss of its buffer, or a new instance taking its place) or at the end, as callgrind's count
 * of write-backs (traffic_sim.c) and a GPU's L2 both do.
 */
#include <math.h>
#include <string.h>

#include "dram_walk.h"

enum { FULL_REPLAY = 512 };

int attn_walk_buffer_add(attn_walk *w, long double elems, long double period, bool tile)
{
    if (w->nbuffers >= ATTN_WALK_BUFFERS) {
        w->overflow = true;
        return -1;
    }
    w->buffers[w->nbuffers] = (attn_walk_buffer){elems > 0 ? elems : 0, period, tile};
    return w->nbuffers++;
}

void attn_walk_loop(attn_walk *w, long double repeats)
{
    if (w->nloops >= ATTN_WALK_LOOPS) {
        w->overflow = true;
        return;
    }
    w->loop_first[w->nloops] = w->npasses;
    w->loop_repeats[w->nloops++] = repeats > 0 ? repeats : 0;
}

void attn_walk_pass_add(attn_walk *w, int buffer, attn_pass_kind kind, long double part,
                        long double times)
{
    if (buffer < 0 || w->npasses >= ATTN_WALK_PASSES || w->nloops == 0) {
        w->overflow = true;
        return;
    }
    w->passes[w->npasses++] =
        (attn_walk_pass){buffer, kind, part, times < 1 ? 1 : times, false, false};
}

void attn_walk_prefix_add(attn_walk *w, int buffer, long double part)
{
    attn_walk_pass_add(w, buffer, ATTN_PASS_READ, part, 1);
    if (!w->overflow)
        w->passes[w->npasses - 1].prefix = true;
}

void attn_walk_again_add(attn_walk *w, int buffer, attn_pass_kind kind, long double part)
{
    attn_walk_pass_add(w, buffer, kind, part, 1);
    if (!w->overflow)
        w->passes[w->npasses - 1].again = true;
}

void attn_walk_inner(attn_walk *w, long double repeats)
{
    int loop = w->nloops - 1;
    if (loop < 0 || w->inner_end[loop]) {
        w->overflow = true;
        return;
    }
    w->inner_first[loop] = w->npasses;
    w->inner_end[loop] = -1; /* open until attn_walk_inner_end */
    w->inner_repeats[loop] = repeats > 0 ? repeats : 0;
}

void attn_walk_inner_end(attn_walk *w)
{
    int loop = w->nloops - 1;
    if (loop < 0 || w->inner_end[loop] != -1) {
        w->overflow = true;
        return;
    }
    w->inner_end[loop] = w->npasses;
}

typedef struct walk_state {
    const attn_walk *w;
    long double room;
    bool write_allocate;
    long double moved;
    long double dirty[ATTN_WALK_BUFFERS];
    long double instance[ATTN_WALK_BUFFERS];
    long double reached[ATTN_WALK_BUFFERS]; /* elements of this instance ever touched */
    long double cursor[ATTN_WALK_BUFFERS];  /* where this iteration's prefix reads got to */
    long double swept[ATTN_WALK_BUFFERS];   /* ... in the iteration before */
    /* volume and instances at the start of this iteration of the loop and of the one before:
     * what one iteration touches, the distance of a sweep that comes round every iteration */
    long double start_volume[2][ATTN_WALK_BUFFERS], start_instance[2][ATTN_WALK_BUFFERS];
    long double seen[ATTN_WALK_BUFFERS][ATTN_WALK_BUFFERS]; /* instances at b's last pass */
    long double volume[ATTN_WALK_BUFFERS]; /* elements touched so far, all passes */
    long double seen_volume[ATTN_WALK_BUFFERS][ATTN_WALK_BUFFERS];
    unsigned long long last[ATTN_WALK_BUFFERS];              /* 0 = this instance untouched */
    unsigned long long clock;
    unsigned long long ever[ATTN_WALK_BUFFERS]; /* last pass over any instance */
} walk_state;

/* `base`: what the pass itself touches of b (all of b, or the part it touches again). */
static long double distance(const walk_state *st, int b, long double base)
{
    const attn_walk *w = st->w;
    long double d = base;
    for (int c = 0; c < w->nbuffers; c++)
        if (c != b && st->ever[c] > st->last[b]) {
            /* what c's passes touched since, at most all of each instance of c */
            long double instances = st->instance[c] - st->seen[b][c];
            long double most = w->buffers[c].elems * (instances > 1 ? instances : 1);
            d += fminl(most, st->volume[c] - st->seen_volume[b][c]);
        }
    return d;
}

/* A prefix read inside an inner loop: its part was last read one iteration of the loop
 * around ago, so its distance is the sweep it belongs to plus what one iteration touches. */
static long double sweep_distance(const walk_state *st, int b)
{
    const attn_walk *w = st->w;
    long double d = st->swept[b];
    for (int c = 0; c < w->nbuffers; c++)
        if (c != b) {
            long double instances = st->start_instance[1][c] - st->start_instance[0][c];
            long double most = w->buffers[c].elems * (instances > 1 ? instances : 1);
            d += fminl(most, st->start_volume[1][c] - st->start_volume[0][c]);
        }
    return d;
}

static long double tiles_besides(const attn_walk *w, int b)
{
    long double t = 0;
    for (int c = 0; c < w->nbuffers; c++)
        if (c != b && w->buffers[c].tile)
            t += w->buffers[c].elems;
    return t;
}

static void replay_pass(walk_state *st, const attn_walk_pass *p, bool inner)
{
    const attn_walk *w = st->w;
    int b = p->buffer;
    long double size = w->buffers[b].elems, part = p->part * size;
    long double d = inner && p->prefix && st->swept[b] > 0
                        ? sweep_distance(st, b)
                        : distance(st, b, p->again ? part : size);
    bool hit = st->last[b] && d <= st->room;
    bool fills = p->kind != ATTN_PASS_WRITE || st->write_allocate;
    /* parts are taken in order (a head's stripe, a block's rows): a hit still misses the part
     * of the buffer no pass has reached yet */
    long double end = fminl(size, st->cursor[b] + part);
    long double fresh = p->again    ? 0
                        : p->prefix ? fmaxl(0, end - st->reached[b])
                                    : fminl(part, size - st->reached[b]);
    if (p->prefix)
        st->cursor[b] = end;
    if (!p->again)
        st->reached[b] = p->prefix ? fmaxl(st->reached[b], end)
                                   : fminl(size, st->reached[b] + part);
    if (hit && fills)
        st->moved += fresh;
    if (!hit) {
        long double evicted = st->dirty[b] * p->part;
        st->moved += evicted;
        st->dirty[b] -= evicted;
        if (fills)
            st->moved += part;
    }
    if (p->kind != ATTN_PASS_READ)
        st->dirty[b] = fminl(size, st->dirty[b] + part);
    if (p->times > 1 && part + tiles_besides(w, b) > st->room)
        st->moved += (p->times - 1) * part;
    st->last[b] = st->ever[b] = ++st->clock;
    st->volume[b] += part;
    for (int c = 0; c < w->nbuffers; c++) {
        st->seen[b][c] = st->instance[c];
        st->seen_volume[b][c] = st->volume[c];
    }
}

/* A buffer of period k takes a new instance at iterations 0, k, 2k ... of its loop: the old
 * one's dirty data is written back when it is evicted, whenever that is. */
static void renew(walk_state *st, int first, int end, long double iteration)
{
    const attn_walk *w = st->w;
    bool renewed[ATTN_WALK_BUFFERS] = {false};
    for (int i = first; i < end; i++) {
        int b = w->passes[i].buffer;
        long double k = w->buffers[b].period;
        if (renewed[b] || k <= 0 || fmodl(iteration, k) != 0)
            continue;
        renewed[b] = true;
        st->moved += st->dirty[b];
        st->dirty[b] = 0;
        st->last[b] = 0;
        st->reached[b] = 0;
        st->instance[b] += 1;
    }
}

static void replay_passes(walk_state *st, int first, int end, bool inner)
{
    for (int i = first; i < end; i++)
        replay_pass(st, &st->w->passes[i], inner);
}

/* An inner loop: in full up to FULL_REPLAY iterations; beyond, two, and the second's traffic
 * and progress through its buffers scaled to the rest (from the second on, its iterations
 * differ only in which part of a streamed buffer they take). */
static void replay_inner(walk_state *st, int first, int end, long double repeats)
{
    if (repeats <= FULL_REPLAY) {
        for (long double it = 0; it < repeats; it++)
            replay_passes(st, first, end, true);
        return;
    }
    replay_passes(st, first, end, true);
    long double before = st->moved, rest = repeats - 2;
    replay_passes(st, first, end, true);
    st->moved += (st->moved - before) * rest;
    for (int i = first; i < end; i++) {
        const attn_walk_pass *p = &st->w->passes[i];
        int b = p->buffer;
        long double size = st->w->buffers[b].elems, part = p->part * size;
        st->volume[b] += rest * part;
        if (p->prefix) {
            st->cursor[b] = fminl(size, st->cursor[b] + rest * part);
            st->reached[b] = fmaxl(st->reached[b], st->cursor[b]);
        } else if (!p->again) {
            st->reached[b] = fminl(size, st->reached[b] + rest * part);
        }
    }
}

static void replay(walk_state *st, int loop, long double from, long double to)
{
    const attn_walk *w = st->w;
    int first = w->loop_first[loop];
    int end = loop + 1 < w->nloops ? w->loop_first[loop + 1] : w->npasses;
    bool inner = w->inner_end[loop] > 0;
    for (long double it = from; it < to; it++) {
        renew(st, first, end, it);
        memcpy(st->swept, st->cursor, sizeof st->swept);
        memset(st->cursor, 0, sizeof st->cursor); /* prefix reads start again */
        memcpy(st->start_volume[0], st->start_volume[1], sizeof st->start_volume[0]);
        memcpy(st->start_instance[0], st->start_instance[1], sizeof st->start_instance[0]);
        memcpy(st->start_volume[1], st->volume, sizeof st->start_volume[1]);
        memcpy(st->start_instance[1], st->instance, sizeof st->start_instance[1]);
        if (!inner) {
            replay_passes(st, first, end, false);
            continue;
        }
        replay_passes(st, first, w->inner_first[loop], false);
        replay_inner(st, w->inner_first[loop], w->inner_end[loop], w->inner_repeats[loop]);
        replay_passes(st, w->inner_end[loop], end, false);
    }
}

static void replay_loop(walk_state *st, int loop)
{
    const attn_walk *w = st->w;
    int first = w->loop_first[loop];
    int end = loop + 1 < w->nloops ? w->loop_first[loop + 1] : w->npasses;
    long double repeats = w->loop_repeats[loop];
    long double period = 1;
    for (int i = first; i < end; i++)
        period = fmaxl(period, w->buffers[w->passes[i].buffer].period);
    if (repeats <= FULL_REPLAY || repeats < 4 * period) {
        replay(st, loop, 0, ceill(repeats));
        return;
    }
    /* after one period of every buffer the iterations repeat: replay two, scale the second */
    replay(st, loop, 0, period);
    long double before = st->moved;
    replay(st, loop, period, 2 * period);
    st->moved += (st->moved - before) * ((repeats - 2 * period) / period);
}

long double attn_walk_dram(const attn_walk *w, long double room, bool write_allocate)
{
    if (w->overflow)
        return -1;
    for (int loop = 0; loop < w->nloops; loop++)
        if (w->inner_end[loop] < 0) /* an inner loop never closed */
            return -1;
    static _Thread_local walk_state st;
    memset(&st, 0, sizeof st);
    st.w = w;
    st.room = room;
    st.write_allocate = write_allocate;
    for (int loop = 0; loop < w->nloops; loop++)
        replay_loop(&st, loop);
    for (int b = 0; b < w->nbuffers; b++)
        st.moved += st.dirty[b];
    return st.moved;
}
