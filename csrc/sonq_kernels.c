/* SONQ C kernels (C99 + OpenMP): the macromodels of docs/architecture.md.
 *
 * Replicas are processed in lane blocks (32, then 8, then 1 replicas; 8 first where a 32-lane
 * block's node arrays would not fit a core's cache but the couplings do).  Inside a block every node
 * array is node-major, x[i*lanes + r], so one pass over a CSR row serves all lanes with contiguous
 * SIMD loads and the coupling matrix is streamed once per block rather than once per replica.
 * SDE blocks run in parallel, one per thread, when there are enough of them; otherwise one after
 * another, each with the thread team splitting the nodes (so one replica on a large graph uses
 * every core).  p-bit blocks run in parallel, one per thread, their width chosen so that every
 * thread gets one (32 replicas on two threads: two blocks of 16); with fewer blocks than threads
 * (under 16 replicas on two), the team splits each colour class's nodes, a class being internally
 * uncoupled, with a barrier between classes, where the classes are large enough to pay for it.
 *
 * Entry points check every length, the CSR structure and every index they are given before
 * touching memory (check_run, check_csr), returning SONQ_EINVAL and a sentence instead.
 *
 * An SDE step is one fused pass over the node arrays per drift (sde_cell): tile by tile, the
 * tile's noise and coupling sums go to small buffers that stay in L1, then a single loop over the
 * tile's elements takes the drift, writes the integrator's outputs and, for the OIM, their cos/sin
 * for the next drift.  A Heun step reads and writes six node arrays and has two barriers.
 *
 * Dense couplings (sonq_dense_size > 0, e.g. all-to-all SK) are packed once per run into row panels
 * (sonq_pack_dense) and the coupling sums become a small GEMM, J (m × m) times the node-major block
 * V (m × sums·lanes: x, or the (cos, sin) pairs of the OIM), by a register-blocked micro-kernel:
 * each coupling loaded feeds a whole vector of lanes, each vector of V several rows, and k-blocks
 * of SONQ_KC couplings keep the V block in L1 while a thread sweeps its panels.
 *
 * Noise: when `draws` is given it is consumed exactly as the NumPy reference does (draw
 * (k−k0, r, i) for step k, replica r, node i), so trajectories agree to rounding; otherwise the
 * counter-based generator of sonq_rng.h supplies it. */
#define _POSIX_C_SOURCE 200112L /* posix_memalign */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "sonq_kernels.h"
#include "sonq_rng.h"

#define SONQ_LANES 32        /* widest lane block: 8 AVX-512 accumulators for the OIM's cos/sin sums */
#define SONQ_KC 48            /* couplings per k-block: 48 × 64 doubles of V (24 KiB) stay in L1 */
#define SONQ_DENSE_FILL 4     /* dense path once nnz ≥ m²/SONQ_DENSE_FILL */
/* Node·lane elements per tile of a sparse pass (SONQ_TILE/lanes nodes), the unit of work sharing:
 * its noise and row sums stay in L1, and fixed tile boundaries give every thread count the same
 * split into vector bodies and scalar tails (vector and scalar cos/sin differ in the last bit). */
#define SONQ_TILE 256
/* Elements of the largest tile of any pass (a dense panel of the widest lane block). */
#define SONQ_TILE_MAX (SONQ_TILE > SONQ_PANEL * SONQ_LANES ? SONQ_TILE : SONQ_PANEL * SONQ_LANES)
/* (nnz + m)·lanes per step under which the barriers (two per Heun step) cost more than a second
 * thread saves. */
#define SONQ_MIN_PARALLEL (1 << 13)
/* Lane·couplings per segment of a p-bit sweep under which a team's barrier at the end of each
 * segment costs more than splitting the segment saves: a passive barrier whose thread has gone to
 * sleep costs ≈ 45 µs on a 2-vCPU VM (the wake-up), and a 64 × 64 torus at 8 lanes (82k per
 * colour class) ran 0.94× as fast on two threads as on one.  2^20 is ≈ 0.1–0.3 ms of work. */
#define SONQ_MIN_SEGMENT (1 << 20)
static int64_t min_segment = SONQ_MIN_SEGMENT;
/* Bytes of node arrays a lane block keeps in a core's cache (its L2: 2 MiB on Sapphire Rapids). */
#define SONQ_CACHE_BYTES (2 << 20)
#define SONQ_INLINE static inline __attribute__((always_inline))

/* Eight doubles, unaligned access allowed (GCC/Clang vector extension: one AVX-512 register, or
 * split into narrower operations on other targets). */
typedef double sonq_vec __attribute__((vector_size(64), aligned(8)));

/* One register of doubles, unaligned access allowed: accumulators meant to live in registers take
 * this width, since GCC keeps arrays of wider-than-native vectors in memory. */
#ifdef __AVX512F__
#define SONQ_REG 8
#else
#define SONQ_REG 4
#endif
typedef double sonq_reg __attribute__((vector_size(8 * SONQ_REG), aligned(8)));

enum { CELL_OIM = 0, CELL_LANGEVIN = 1 };

typedef struct {
    int cell, heun;
    int64_t R, m, k0;
    const double *draws;
    uint64_t key;
    const int64_t *indptr;
    const int32_t *indices;
    const double *data, *dense, *h, *poly, *temperature, *shil;
    double dt;
    const uint8_t *clamp; /* (m,) 1 for a held node (no drift, no kick), or NULL */
    const double *tscale; /* (R,) the replicas' temperature multipliers, or NULL (all 1) */
} sde_model;

typedef struct {
    int64_t R, m, k0;
    const double *draws;
    uint64_t key;
    const int64_t *indptr, *order;
    const int32_t *indices;
    const double *data, *h, *temperature;
    const int64_t *seg; /* nseg + 1 boundaries of the runs of `order` a team updates in parallel */
    int64_t nseg;
    const uint8_t *clamp; /* (m,) 1 for a held node (never updated), or NULL */
    const double *tscale; /* (R,) the replicas' temperature multipliers, or NULL (all 1) */
    /* Streamed moments (or nmn = nme = 0): after every sweep k with k + 1 > mburn, replica r adds
     * its spins of nodes mnodes[j] to mfirst[r·nmn + j] and its products of the node pairs
     * medges[2e], medges[2e + 1] to msecond[r·nme + e]. */
    const int64_t *mnodes, *medges;
    int64_t nmn, nme, mburn;
    double *mfirst, *msecond;
} pbit_model;

static int team(int threads, int64_t work) {
#ifdef _OPENMP
    int t = threads > 0 ? threads : omp_get_max_threads();
    return work < SONQ_MIN_PARALLEL ? 1 : (int)(work < t ? work : t);
#else
    (void)threads;
    (void)work;
    return 1;
#endif
}

/* acc[r] = Σ_p data[p] · v[indices[p]*stride + r] over CSR row i; with `pair`, v holds (cos, sin)
 * blocks per node and acc2 receives the sine sums.  Wide blocks (lanes a multiple of 8) keep one
 * sum per lane, in CSR order like the NumPy reference, in registers (explicit vectors: GCC's SLP
 * vectorizer leaves the sine sums of 32 lanes scalar); a single lane splits the row
 * into two partial sums to break the floating-point dependency chain (rounding then differs at
 * the 1e-16 level). */
SONQ_INLINE void row_dot(const int64_t *indptr, const int32_t *indices, const double *data, int64_t i,
                         const double *v, const int64_t lanes, const int pair, double *acc, double *acc2) {
    const int64_t stride = pair ? 2 * lanes : lanes, end = indptr[i + 1];
    int64_t p = indptr[i];
    if (lanes == 1) {
        double a0 = 0.0, a1 = 0.0, b0 = 0.0, b1 = 0.0;
        for (; p + 1 < end; p += 2) {
            const double w0 = data[p], w1 = data[p + 1];
            const double *v0 = v + (int64_t)indices[p] * stride, *v1 = v + (int64_t)indices[p + 1] * stride;
            a0 += w0 * v0[0];
            a1 += w1 * v1[0];
            if (pair) {
                b0 += w0 * v0[1];
                b1 += w1 * v1[1];
            }
        }
        if (p < end) {
            a0 += data[p] * v[(int64_t)indices[p] * stride];
            if (pair) b0 += data[p] * v[(int64_t)indices[p] * stride + 1];
        }
        acc[0] = a0 + a1;
        if (pair) acc2[0] = b0 + b1;
        return;
    }
    sonq_reg a0[SONQ_LANES / SONQ_REG], b0[SONQ_LANES / SONQ_REG];
    for (int64_t l = 0; l < lanes / SONQ_REG; l++) a0[l] = b0[l] = (sonq_reg){0};
    for (; p < end; p++) {
        const double w = data[p];
        const double *vj = v + (int64_t)indices[p] * stride;
        for (int64_t l = 0; l < lanes / SONQ_REG; l++) {
            a0[l] += w * *(const sonq_reg *)(vj + SONQ_REG * l);
            if (pair) b0[l] += w * *(const sonq_reg *)(vj + lanes + SONQ_REG * l);
        }
    }
    for (int64_t l = 0; l < lanes / SONQ_REG; l++) {
        *(sonq_reg *)(acc + SONQ_REG * l) = a0[l];
        if (pair) *(sonq_reg *)(acc2 + SONQ_REG * l) = b0[l];
    }
}

/* Register-blocked outer-product sums: acc[r][j] = Σ_{k<kc} s[k·ss + r] · w[k·ws + 8j .. 8j+7] for
 * r < RB broadcast scalars and j < NV vectors (RB·NV ≤ 24 accumulators, so the two FMA units
 * never wait on a latency chain), then t[r·tr + (8j+l)·tc] = (add ? t : 0) + acc[r][j][l].
 * Lane blocks of 8 or more put the lanes in the vectors (s: a coupling panel, w: V); a single lane
 * puts the panel's rows there instead (s: V, w: the panel), so one kernel serves both. */
SONQ_INLINE void panel_kernel(const double *s, int64_t ss, const double *w, int64_t ws, int64_t kc, double *t,
                              int64_t tr, int64_t tc, int add, const int RB, const int NV) {
    sonq_vec acc[24];
#pragma GCC unroll 24
    for (int q = 0; q < RB * NV; q++) acc[q] = (sonq_vec){0};
    for (int64_t k = 0; k < kc; k++) {
        sonq_vec wk[8];
#pragma GCC unroll 8
        for (int j = 0; j < NV; j++) wk[j] = *(const sonq_vec *)(w + k * ws + 8 * j);
#pragma GCC unroll 24
        for (int r = 0; r < RB; r++) {
            const double sr = s[k * ss + r];
#pragma GCC unroll 8
            for (int j = 0; j < NV; j++) acc[r * NV + j] += sr * wk[j];
        }
    }
#pragma GCC unroll 24
    for (int r = 0; r < RB; r++)
#pragma GCC unroll 8
        for (int j = 0; j < NV; j++) {
            if (tc == 1) {
                sonq_vec *tv = (sonq_vec *)(t + r * tr + 8 * j);
                *tv = add ? *tv + acc[r * NV + j] : acc[r * NV + j];
            } else
                for (int l = 0; l < 8; l++) {
                    double *tl = t + r * tr + (8 * j + l) * tc;
                    *tl = add ? *tl + acc[r * NV + j][l] : acc[r * NV + j][l];
                }
        }
}

/* sums[i·nc + c] = Σ_k J_ik v[k·nc + c] from the packed panels, nc = ns·lanes columns (ns sums
 * per lane); sums has room for whole panels.  The team splits the panels the same way in every
 * k-block (static schedule), so each thread accumulates only its own rows, and no barrier follows:
 * the caller's static loop over the panels hands each thread the rows it summed.  Every sum is
 * taken in the same order whatever the thread count. */
SONQ_INLINE void dense_sums(const sde_model *a, const double *v, double *sums, const int ns, const int64_t lanes) {
    const int64_t m = a->m, nc = ns * lanes, panels = (m + SONQ_PANEL - 1) / SONQ_PANEL;
    /* Rows per kernel call with the lanes in the vectors: 24 accumulators over nc/8 vectors. */
    const int rows = lanes >= 8 ? (int)(24 / (nc / 8)) : SONQ_PANEL;
    for (int64_t k0 = 0; k0 < m; k0 += SONQ_KC) {
        const int64_t kc = m - k0 < SONQ_KC ? m - k0 : SONQ_KC;
#pragma omp for schedule(static) nowait
        for (int64_t b = 0; b < panels; b++) {
            const double *panel = a->dense + (b * m + k0) * SONQ_PANEL;
            double *t = sums + b * SONQ_PANEL * nc;
            if (lanes >= 8)
                for (int r = 0; r < SONQ_PANEL; r += rows)
                    panel_kernel(panel + r, SONQ_PANEL, v + k0 * nc, nc, kc, t + r * nc, nc, 1, k0 > 0, rows,
                                 (int)(nc / 8));
            else
                panel_kernel(v + k0 * nc, nc, panel, SONQ_PANEL, kc, t, 1, nc, k0 > 0, ns, SONQ_PANEL / 8);
        }
    }
}

/* (cos, sin) blocks of nodes i0..i1−1 of node-major x into cs (2·lanes per node). */
SONQ_INLINE void tile_cis(const double *x, double *cs, int64_t i0, int64_t i1, const int64_t lanes) {
    for (int64_t i = i0; i < i1; i++)
        for (int64_t r = 0; r < lanes; r++) {
            cs[2 * i * lanes + r] = cos(x[i * lanes + r]);
            cs[(2 * i + 1) * lanes + r] = sin(x[i * lanes + r]);
        }
}

/* Kicks √(2T dt)·ξ of step k for nodes i0..i1−1 (i0 even, so node pairs never straddle tiles),
 * xi[(i − i0)·lanes + r]; xi has room for SONQ_TILE_MAX + 2·SONQ_BATCH.  The generator's batches
 * run over t = pair·lanes + lane from the tile's first pair; a draw depends only on its counter,
 * so tiles give the numbers a whole-array pass would.  Whole batches are stored: their surplus (at
 * most 2·SONQ_BATCH elements past the tile) lands in xi's spare room and is never read. */
SONQ_INLINE void tile_kicks(const sde_model *a, int64_t k, int64_t r0, int64_t i0, int64_t i1, const int64_t lanes,
                            double *xi) {
    /* Lane r's amplitude: one value for every lane, or under replica exchange each lane's own
     * temperature (equal values give the same products either way). */
    const double T = a->temperature[k - a->k0];
    const double common = sqrt(2.0 * T * a->dt);
    double amp[SONQ_LANES];
    for (int64_t r = 0; r < lanes; r++) amp[r] = a->tscale ? sqrt(2.0 * (T * a->tscale[r0 + r]) * a->dt) : common;
    if (a->draws) {
        const double *d = a->draws + ((k - a->k0) * a->R + r0) * a->m;
        for (int64_t i = i0; i < i1; i++)
            for (int64_t r = 0; r < lanes; r++) xi[(i - i0) * lanes + r] = amp[r] * d[r * a->m + i];
        return;
    }
    const uint64_t total = (uint64_t)(i1 - i0 + 1) / 2 * lanes;
    for (uint64_t q = 0; q < total; q += SONQ_BATCH) {
        uint32_t c0[SONQ_BATCH], c2[SONQ_BATCH];
        double n0[SONQ_BATCH], n1[SONQ_BATCH];
        /* Counter j of the batch: a batch is a run of one pair's lanes or whole pairs (lane block
         * widths and SONQ_BATCH are powers of two), written so that the stores are contiguous. */
        uint64_t pair[SONQ_BATCH], lane[SONQ_BATCH];
        for (uint64_t j = 0; j < SONQ_BATCH; j++) {
            pair[j] = lanes >= SONQ_BATCH ? q / lanes : q / lanes + j / lanes;
            lane[j] = lanes >= SONQ_BATCH ? q % lanes + j : j % lanes;
            c0[j] = (uint32_t)(i0 / 2 + pair[j]);
            c2[j] = (uint32_t)(r0 + lane[j]);
        }
        sonq_normals(a->key, c0, (uint32_t)k, c2, n0, n1);
        for (uint64_t j = 0; j < SONQ_BATCH; j++) {
            xi[2 * pair[j] * lanes + lane[j]] = amp[lane[j]] * n0[j];
            xi[(2 * pair[j] + 1) * lanes + lane[j]] = amp[lane[j]] * n1[j];
        }
    }
}

/* One fused pass of a step over the node arrays: the drift f at v (vcs: its (cos, sin) blocks for
 * the OIM), then out = base + c·f·dt + ξ, where `half` is set also half = base + ½·f·dt + ξ, and for
 * the OIM the (cos, sin) blocks of out into outcs (the next drift's vcs).  ξ: step k's kicks, or
 * none without `kick`.  Stochastic Heun is two passes, Euler–Maruyama one (sde_cell). */
typedef struct {
    const double *v, *vcs, *base;
    double *out, *outcs, *half;
    double c;
    int kick;
} sde_pass;

/* The pass over nodes i0..i1−1 of a tile.  sums: the dense product's coupling sums (1 + oim per
 * node and lane, as dense_sums lays them out), or NULL to take CSR row sums into a tile buffer
 * first.  The elementwise work then runs as one flat loop over the tile's elements, which the
 * compiler vectorizes over lanes, or over nodes for a single lane. */
SONQ_INLINE void tile_pass(const sde_model *a, const int oim, const sde_pass *p, int64_t k, int64_t r0, int64_t i0,
                           int64_t i1, const double *sums, const int64_t lanes) {
    const int64_t ns = 1 + oim, nt = i1 - i0;
    const double dt = a->dt, shil = a->shil[k - a->k0], c = p->c;
    double xi[SONQ_TILE_MAX + 2 * SONQ_BATCH], acc[2 * SONQ_TILE];
    if (p->kick) tile_kicks(a, k, r0, i0, i1, lanes, xi);
    if (sums)
        sums += i0 * ns * lanes;
    else {
        for (int64_t i = 0; i < nt; i++)
            row_dot(a->indptr, a->indices, a->data, i0 + i, oim ? p->vcs : p->v, lanes, oim, acc + i * ns * lanes,
                    acc + (i * ns + 1) * lanes);
        sums = acc;
    }
    const double *restrict v = p->v + i0 * lanes, *restrict base = p->base + i0 * lanes;
    const double *restrict vcs = oim ? p->vcs + 2 * i0 * lanes : NULL;
    double *restrict out = p->out + i0 * lanes, *restrict half = p->half ? p->half + i0 * lanes : NULL;
    for (int64_t i = 0; i < nt; i++) {
        if (a->clamp && a->clamp[i0 + i]) { /* held: no drift, no kick */
            for (int64_t r = 0; r < lanes; r++) {
                out[i * lanes + r] = base[i * lanes + r];
                if (half) half[i * lanes + r] = base[i * lanes + r];
            }
            continue;
        }
        for (int64_t r = 0; r < lanes; r++) {
            const int64_t q = i * lanes + r;
            double f;
            if (oim) {
                /* Σ_j J_ij sin(φ_i − φ_j) = sin φ_i Σ J cos φ_j − cos φ_i Σ J sin φ_j;  sin 2φ = 2 sin φ cos φ */
                const double cv = vcs[2 * i * lanes + r], sv = vcs[(2 * i + 1) * lanes + r];
                f = sv * sums[2 * i * lanes + r] - cv * sums[(2 * i + 1) * lanes + r] - shil * (2.0 * sv * cv);
            } else {
                const double *poly = a->poly + 3 * (i0 + i), vi = v[q];
                f = -(a->h[i0 + i] + sums[q] + 2.0 * poly[0] * vi + 3.0 * poly[1] * vi * vi +
                      4.0 * poly[2] * vi * vi * vi);
            }
            const double e = p->kick ? xi[q] : 0.0;
            out[q] = base[q] + c * f * dt + e;
            if (half) half[q] = base[q] + 0.5 * f * dt + e;
        }
    }
    if (oim) tile_cis(p->out, p->outcs, i0, i1, lanes);
}

/* Nodes per tile of a pass: SONQ_TILE elements of CSR rows, or a panel of the dense product. */
static int64_t tile_nodes(const sde_model *a, int64_t lanes) { return a->dense ? SONQ_PANEL : SONQ_TILE / lanes; }

/* The pass over all nodes (called by every thread of the team), ending in a barrier: the next pass
 * reads the neighbours' outputs. */
SONQ_INLINE void sde_sweep(const sde_model *a, const int oim, const sde_pass *p, int64_t k, int64_t r0,
                           double *sums, const int64_t lanes) {
    const int64_t m = a->m, tile = tile_nodes(a, lanes), tiles = (m + tile - 1) / tile;
    if (a->dense) dense_sums(a, oim ? p->vcs : p->v, sums, 1 + oim, lanes);
    /* Static schedule: for dense sums the split of dense_sums' panel loops, so each thread takes
     * the rows it summed, with no barrier in between. */
#pragma omp for schedule(static) nowait
    for (int64_t b = 0; b < tiles; b++)
        tile_pass(a, oim, p, k, r0, b * tile, (b + 1) * tile < m ? (b + 1) * tile : m, a->dense ? sums : NULL,
                  lanes);
#pragma omp barrier
}

/* Scratch doubles of a lane block: x, y, pred (m·lanes each), for the OIM two sets of (cos, sin)
 * blocks (2·m·lanes each), and for the dense path the sums of whole panels (1 + oim per lane). */
static int64_t scratch_size(const sde_model *a, int64_t lanes) {
    const int oim = a->cell == CELL_OIM;
    const int64_t padded = (a->m + SONQ_PANEL - 1) / SONQ_PANEL * SONQ_PANEL;
    return ((3 + 4 * oim) * a->m + (a->dense ? (1 + oim) * padded : 0)) * lanes;
}

/* Steps k0..k1−1 of replicas r0..r0+lanes−1, run by every thread of the team; buf: scratch
 * (scratch_size).  Stochastic Heun, in two passes with a barrier after each:
 *   1. f0 = f(x); pred = x + f0·dt + ξ, y = x + ½f0·dt + ξ;
 *   2. f1 = f(pred); x = y + ½f1·dt.
 * Euler–Maruyama, one pass: y = x + f(x)·dt + ξ, then x and y swap (the neighbours still read the
 * old x during the pass).  The OIM's (cos, sin) blocks follow each output of a pass. */
SONQ_INLINE void sde_cell(const sde_model *a, const int oim, int64_t k1, double *state, int64_t r0,
                          const int64_t lanes, double *buf) {
    const int64_t m = a->m, n = m * lanes, tile = tile_nodes(a, lanes);
    double *x = buf, *y = buf + n, *pred = buf + 2 * n, *xcs = buf + 3 * n, *pcs = buf + (3 + 2 * oim) * n,
           *sums = buf + (3 + 4 * oim) * n;
#pragma omp for schedule(static)
    for (int64_t b = 0; b < (m + tile - 1) / tile; b++) {
        const int64_t i1 = (b + 1) * tile < m ? (b + 1) * tile : m;
        for (int64_t i = b * tile; i < i1; i++)
            for (int64_t r = 0; r < lanes; r++) x[i * lanes + r] = state[(r0 + r) * m + i];
        if (oim) tile_cis(x, xcs, b * tile, i1, lanes);
    }
    for (int64_t k = a->k0; k < k1; k++) {
        if (a->heun) {
            const sde_pass predict = {x, xcs, x, pred, pcs, y, 1.0, 1}, correct = {pred, pcs, y, x, xcs, NULL, 0.5, 0};
            sde_sweep(a, oim, &predict, k, r0, sums, lanes);
            sde_sweep(a, oim, &correct, k, r0, sums, lanes);
        } else {
            const sde_pass euler = {x, xcs, x, y, pcs, NULL, 1.0, 1};
            sde_sweep(a, oim, &euler, k, r0, sums, lanes);
            double *t = x;
            x = y;
            y = t;
            t = xcs;
            xcs = pcs;
            pcs = t;
        }
    }
#pragma omp for schedule(static)
    for (int64_t i = 0; i < m; i++)
        for (int64_t r = 0; r < lanes; r++) state[(r0 + r) * m + i] = x[i * lanes + r];
}

/* The cell as a constant, so the register tiles and sum counts are fixed at compile time. */
SONQ_INLINE void sde_team(const sde_model *a, int64_t k1, double *state, int64_t r0, const int64_t lanes,
                          double *buf) {
    if (a->cell == CELL_OIM)
        sde_cell(a, 1, k1, state, r0, lanes, buf);
    else
        sde_cell(a, 0, k1, state, r0, lanes, buf);
}

/* n doubles on a 64-byte boundary, so a lane block's node rows start on cache lines and no vector
 * of 8 lanes straddles two (malloc's 16-byte alignment made whole runs 1.7× slower, depending on
 * where the heap happened to place the block). */
static double *lane_array(int64_t n) {
    void *p = NULL;
    return posix_memalign(&p, 64, (size_t)(n > 0 ? n : 1) * sizeof(double)) ? NULL : p;
}

/* Sweeps k0..k1−1 of replicas r0..r0+lanes−1, run by every thread of the team; x (m·lanes) and u
 * ((m + 1)·lanes) are the team's shared scratch.  A sweep visits the segments of the colour order
 * (pbit_segments) in turn, the team splitting each segment's nodes (a static schedule, whose
 * implicit barrier ends the segment).  Every node's update is computed by one thread from the same
 * inputs whatever the team size, so results do not depend on it. */
SONQ_INLINE void pbit_team(const pbit_model *a, int64_t k1, double *state, int64_t r0, const int64_t lanes,
                           double *x, double *u) {
    const int64_t m = a->m;
#pragma omp for schedule(static)
    for (int64_t r = 0; r < lanes; r++)
        for (int64_t i = 0; i < m; i++) x[i * lanes + r] = state[(r0 + r) * m + i];
    for (int64_t k = a->k0; k < k1; k++) {
        const double T = a->temperature[k - a->k0];
        if (!a->draws) {
#pragma omp for schedule(static)
            for (int64_t r = 0; r < lanes; r++) sonq_uniforms(a->key, (uint32_t)(r0 + r), (uint32_t)k, m, u + r * (m + 1));
        }
        for (int64_t s = 0; s < a->nseg; s++) {
#pragma omp for schedule(static)
            for (int64_t q = a->seg[s]; q < a->seg[s + 1]; q++) {
                const int64_t i = a->order[q];
                if (a->clamp && a->clamp[i]) continue;
                double acc[SONQ_LANES];
                row_dot(a->indptr, a->indices, a->data, i, x, lanes, 0, acc, acc);
                for (int64_t r = 0; r < lanes; r++) {
                    const double ui = a->draws ? a->draws[((k - a->k0) * a->R + r0 + r) * m + i] : u[r * (m + 1) + i];
                    const double I = -(a->h[i] + acc[r]);
                    const double Tr = a->tscale ? T * a->tscale[r0 + r] : T;
                    const double act = Tr > 0 ? tanh(I / Tr) : (double)((I > 0) - (I < 0));
                    x[i * lanes + r] = act > ui ? 1.0 : -1.0;
                }
            }
        }
        if ((a->nmn || a->nme) && k + 1 > a->mburn) {
#pragma omp for schedule(static)
            for (int64_t r = 0; r < lanes; r++) {
                double *f = a->mfirst + (r0 + r) * a->nmn, *g = a->msecond + (r0 + r) * a->nme;
                for (int64_t j = 0; j < a->nmn; j++) f[j] += x[a->mnodes[j] * lanes + r];
                for (int64_t e = 0; e < a->nme; e++)
                    g[e] += x[a->medges[2 * e] * lanes + r] * x[a->medges[2 * e + 1] * lanes + r];
            }
        }
    }
#pragma omp for schedule(static)
    for (int64_t r = 0; r < lanes; r++)
        for (int64_t i = 0; i < m; i++) state[(r0 + r) * m + i] = x[i * lanes + r];
}

/* Constant lane counts, so the compiler unrolls the lane loops of each and keeps the row sums in
 * registers.  The parallel region sits here, not in the inlined body: GCC outlines it before
 * inlining, which would otherwise lose the constant. */
static void sde_32(const sde_model *a, int64_t k1, double *s, int64_t r0, double *buf, int nt) {
#pragma omp parallel num_threads(nt)
    sde_team(a, k1, s, r0, 32, buf);
}
static void sde_8(const sde_model *a, int64_t k1, double *s, int64_t r0, double *buf, int nt) {
#pragma omp parallel num_threads(nt)
    sde_team(a, k1, s, r0, 8, buf);
}
static void sde_1(const sde_model *a, int64_t k1, double *s, int64_t r0, double *buf, int nt) {
#pragma omp parallel num_threads(nt)
    sde_team(a, k1, s, r0, 1, buf);
}

/* Steps k0..k1−1 of the lane block of `width` replicas from r0, on a team of nt threads; returns
 * SONQ_ENOMEM when its scratch cannot be allocated. */
static int sde_block(const sde_model *a, int64_t k1, double *state, int64_t r0, int width, int nt) {
    /* The dense product costs m² FMAs from registers per lane against nnz FMAs that each wait on a
     * load, so lane blocks of 8 or more take it from nnz ≥ m²/SONQ_DENSE_FILL on; a single lane
     * streams the matrix either way, 8 bytes per entry of m² against 12 per nonzero, so it takes
     * the dense path only from nnz ≥ 2m²/3 on. */
    sde_model block = *a;
    if (width == 1 && 3 * a->indptr[a->m] < 2 * a->m * a->m) block.dense = NULL;
    double *buf = lane_array(scratch_size(&block, width));
    if (!buf) return SONQ_ENOMEM;
    (width == 32 ? sde_32 : width == 8 ? sde_8 : sde_1)(&block, k1, state, r0, buf, nt);
    free(buf);
    return SONQ_OK;
}

static void pbit_32(const pbit_model *a, int64_t k1, double *s, int64_t r0, double *x, double *u, int nt) {
#pragma omp parallel num_threads(nt)
    pbit_team(a, k1, s, r0, 32, x, u);
}
static void pbit_16(const pbit_model *a, int64_t k1, double *s, int64_t r0, double *x, double *u, int nt) {
#pragma omp parallel num_threads(nt)
    pbit_team(a, k1, s, r0, 16, x, u);
}
static void pbit_8(const pbit_model *a, int64_t k1, double *s, int64_t r0, double *x, double *u, int nt) {
#pragma omp parallel num_threads(nt)
    pbit_team(a, k1, s, r0, 8, x, u);
}
static void pbit_1(const pbit_model *a, int64_t k1, double *s, int64_t r0, double *x, double *u, int nt) {
#pragma omp parallel num_threads(nt)
    pbit_team(a, k1, s, r0, 1, x, u);
}

/* Sweeps k0..k1−1 of the lane block of `width` replicas from r0 on a team of nt threads. */
static int pbit_block(const pbit_model *a, int64_t k1, double *state, int64_t r0, int width, int nt) {
    double *x = lane_array(a->m * width), *u = lane_array((a->m + 1) * width);
    if (x && u)
        (width == 32 ? pbit_32 : width == 16 ? pbit_16 : width == 8 ? pbit_8 : pbit_1)(a, k1, state, r0, x, u, nt);
    free(x);
    free(u);
    return x && u ? SONQ_OK : SONQ_ENOMEM;
}

/* Lane blocks of R replicas, of `wide` (SONQ_LANES, 16 or 8), 8 and 1 replicas: widths[b]
 * replicas starting at starts[b]; returns the count.  A replica's arithmetic is the same in every
 * block of 8 or more lanes (one sum per lane, in CSR order), so only the last R mod 8 replicas,
 * always in single-lane blocks, round differently, and results do not depend on `wide`. */
static int64_t lane_blocks(int64_t R, int wide, int64_t *starts, int *widths) {
    const int sizes[3] = {wide, 8, 1};
    int64_t nb = 0, r = 0;
    for (int s = 0; s < 3; s++)
        for (; r + sizes[s] <= R; r += sizes[s], nb++) {
            starts[nb] = r;
            widths[nb] = sizes[s];
        }
    return nb;
}

/* ---- argument checks: every entry point checks the sizes and index ranges it is given before it
 * reads or writes through a pointer, and reports the first problem in err. */

static int fail(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(char *err, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, SONQ_ERR_LEN, fmt, ap);
        va_end(ap);
    }
    return SONQ_EINVAL;
}

/* a·b, or −1 when the product of two non-negative numbers overflows int64. */
static int64_t product(int64_t a, int64_t b) { return a == 0 || b <= INT64_MAX / a ? a * b : -1; }

static int check_len(char *err, const char *name, const void *p, int64_t len, int64_t expected) {
    if (!p) return fail(err, "%s is NULL", name);
    if (len != expected) return fail(err, "%s has %lld entries, expected %lld", name, (long long)len, (long long)expected);
    return SONQ_OK;
}

/* The shape arguments shared by the kernels, the state (R·m doubles) and the draws ((k1−k0)·R·m,
 * or none); the generator's counters hold the step and replica in 32 bits, the node pair too. */
static int check_run(char *err, int64_t R, int64_t m, int64_t k0, int64_t k1, const double *state, int64_t state_len,
                     const double *draws, int64_t draws_len, const double *temperature, int64_t temperature_len) {
    if (R < 0 || m < 0) return fail(err, "negative replicas (%lld) or nodes (%lld)", (long long)R, (long long)m);
    if (k0 < 0 || k1 < k0) return fail(err, "bad step range [%lld, %lld)", (long long)k0, (long long)k1);
    if (R > ((int64_t)1 << 32) || m > ((int64_t)1 << 33) || k1 > ((int64_t)1 << 32))
        return fail(err, "replicas, nodes or steps beyond the generator's 32-bit counters");
    const int64_t n = product(R, m), nd = product(n, k1 - k0);
    if (n < 0 || nd < 0) return fail(err, "replicas × nodes × steps overflows");
    int rc = check_len(err, "state", state, state_len, n);
    if (rc) return rc;
    if (draws && draws_len != nd)
        return fail(err, "draws has %lld entries, expected (k1 − k0)·R·m = %lld", (long long)draws_len, (long long)nd);
    if (!temperature) return fail(err, "temperature is NULL");
    if (temperature_len < k1 - k0)
        return fail(err, "temperature has %lld steps, the block [%lld, %lld) needs %lld", (long long)temperature_len,
                    (long long)k0, (long long)k1, (long long)(k1 - k0));
    return SONQ_OK;
}

/* CSR structure of an m × m matrix: indptr (m + 1) starts at 0 and never decreases, indptr[m] =
 * nnz = len(indices) = len(data), every column index in [0, m). */
static int check_csr(char *err, int64_t m, const int64_t *indptr, int64_t indptr_len, const int32_t *indices,
                     int64_t indices_len, const double *data, int64_t data_len) {
    int rc = check_len(err, "indptr", indptr, indptr_len, m + 1);
    if (rc) return rc;
    if (indptr[0] != 0) return fail(err, "indptr[0] = %lld, expected 0", (long long)indptr[0]);
    for (int64_t i = 0; i < m; i++)
        if (indptr[i + 1] < indptr[i])
            return fail(err, "indptr decreases at row %lld (%lld → %lld)", (long long)i, (long long)indptr[i],
                        (long long)indptr[i + 1]);
    const int64_t nnz = indptr[m];
    if ((rc = check_len(err, "indices", indices, indices_len, nnz)) || (rc = check_len(err, "data", data, data_len, nnz)))
        return rc;
    /* The range test as one reduction (vectorized), then a second pass for the message. */
    int bad = 0;
    for (int64_t p = 0; p < nnz; p++) bad |= indices[p] < 0 || indices[p] >= m;
    if (bad)
        for (int64_t p = 0; p < nnz; p++)
            if (indices[p] < 0 || indices[p] >= m)
                return fail(err, "indices[%lld] = %d outside [0, %lld)", (long long)p, (int)indices[p], (long long)m);
    return SONQ_OK;
}

/* ---- entry points */

int sonq_sde(int cell, int heun, int64_t R, int64_t m, int64_t k0, int64_t k1, double *state, int64_t state_len,
             const double *draws, int64_t draws_len, uint64_t key, const int64_t *indptr, int64_t indptr_len,
             const int32_t *indices, int64_t indices_len, const double *data, int64_t data_len, const double *dense,
             int64_t dense_len, const double *h, int64_t h_len, const double *poly, int64_t poly_len,
             const double *temperature, int64_t temperature_len, const double *shil, int64_t shil_len, double dt,
             const uint8_t *clamp, int64_t clamp_len, const double *tscale, int64_t tscale_len, int threads,
             char *err) {
    int rc;
    if (cell != CELL_OIM && cell != CELL_LANGEVIN) return fail(err, "unknown cell code %d", cell);
    if (heun != 0 && heun != 1) return fail(err, "heun must be 0 or 1, got %d", heun);
    if ((rc = check_run(err, R, m, k0, k1, state, state_len, draws, draws_len, temperature, temperature_len)) ||
        (rc = check_csr(err, m, indptr, indptr_len, indices, indices_len, data, data_len)) ||
        (rc = check_len(err, "h", h, h_len, m)) || (rc = check_len(err, "poly", poly, poly_len, product(3, m))))
        return rc;
    if (!shil || shil_len < k1 - k0)
        return fail(err, "shil has %lld steps, the block [%lld, %lld) needs %lld", (long long)shil_len, (long long)k0,
                    (long long)k1, (long long)(k1 - k0));
    if (dense && (rc = check_len(err, "dense", dense, dense_len, sonq_dense_size(m, indptr[m])))) return rc;
    if (dense && !dense_len) return fail(err, "dense couplings given for a matrix too sparse to pack");
    if (clamp && (rc = check_len(err, "clamp", clamp, clamp_len, m))) return rc;
    if (tscale && (rc = check_len(err, "tscale", tscale, tscale_len, R))) return rc;
    if (R == 0 || m == 0 || k1 == k0) return SONQ_OK;
    const sde_model a = {cell, heun, R, m, k0, draws, key, indptr, indices, data, dense, h, poly, temperature,
                         shil, dt, clamp, tscale};
    int64_t *starts = malloc((R + 1) * sizeof(int64_t));
    int *widths = malloc((R + 1) * sizeof(int));
    if (!starts || !widths) {
        free(starts);
        free(widths);
        return SONQ_ENOMEM;
    }
    /* A wide block reads the couplings once per SONQ_LANES replicas, but its node arrays spill from
     * a core's cache four times sooner than an 8-lane block's, and then every pass streams them
     * from the shared cache: narrower blocks win where those arrays outweigh the couplings
     * (toroidal_8k: 6 MiB of arrays at 32 lanes against 0.4 MiB of CSR couplings). */
    const int64_t wide_bytes = scratch_size(&a, SONQ_LANES) * (int64_t)sizeof(double);
    const int64_t coupling_bytes = dense ? m * m * (int64_t)sizeof(double) : indptr[m] * 12;
    const int wide = wide_bytes > SONQ_CACHE_BYTES && coupling_bytes < wide_bytes ? 8 : SONQ_LANES;
    const int64_t nb = lane_blocks(R, wide, starts, widths);
    const int nt = team(threads, (indptr[m] + m) * (R < wide ? R : wide));
    int status = SONQ_OK;
    /* Enough blocks for every thread: one block per thread, no barrier inside a block (robust
     * when other processes share the cores).  Otherwise the team splits each block's nodes, its
     * parallel region the outermost: nested under even a one-thread region, libgomp's team for it
     * ran at half speed after any run that had used the per-block threads. */
    if (nb >= nt) {
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
        for (int64_t b = 0; b < nb; b++)
            if (sde_block(&a, k1, state, starts[b], widths[b], 1) != SONQ_OK) {
#pragma omp atomic write
                status = SONQ_ENOMEM;
            }
    } else
        for (int64_t b = 0; b < nb && status == SONQ_OK; b++)
            status = sde_block(&a, k1, state, starts[b], widths[b], team(threads, (indptr[m] + m) * widths[b]));
    free(starts);
    free(widths);
    return status;
}

/* Segments of the colour order, seg[0] = 0 < seg[1] < … < seg[n] = m, returns n: runs of `order`
 * in which no node reads another's spin (no coupling from one to another), so updating a run's
 * nodes in parallel gives what updating them one after another does: a proper colouring's classes,
 * or two classes merged where no coupling joins them; a run ends early wherever the colouring is
 * not proper, which keeps the sequential result.  mark: 2m scratch integers. */
static int64_t pbit_segments(const pbit_model *a, int64_t *seg, int64_t *mark) {
    const int64_t m = a->m;
    int64_t n = 0, *member = mark, *read = mark + m; /* the last segment updating / reading each node */
    for (int64_t i = 0; i < 2 * m; i++) mark[i] = -1;
    seg[0] = 0;
    for (int64_t q = 0; q < m; q++) {
        const int64_t i = a->order[q];
        int joins = read[i] != n;
        for (int64_t p = a->indptr[i]; joins && p < a->indptr[i + 1]; p++) joins = member[a->indices[p]] != n;
        if (!joins) seg[++n] = q;
        member[i] = n;
        for (int64_t p = a->indptr[i]; p < a->indptr[i + 1]; p++) read[a->indices[p]] = n;
    }
    seg[++n] = m;
    return n;
}

int sonq_pbit(int64_t R, int64_t m, int64_t k0, int64_t k1, double *state, int64_t state_len, const double *draws,
              int64_t draws_len, uint64_t key, const int64_t *indptr, int64_t indptr_len, const int32_t *indices,
              int64_t indices_len, const double *data, int64_t data_len, const double *h, int64_t h_len,
              const int64_t *order, int64_t order_len, const double *temperature, int64_t temperature_len,
              const uint8_t *clamp, int64_t clamp_len, const double *tscale, int64_t tscale_len,
              const int64_t *mom_nodes, int64_t mom_nodes_len, const int64_t *mom_edges, int64_t mom_edges_len,
              double *mom_first, int64_t mom_first_len, double *mom_second, int64_t mom_second_len, int64_t mom_burn,
              int threads, char *err) {
    int rc;
    if ((rc = check_run(err, R, m, k0, k1, state, state_len, draws, draws_len, temperature, temperature_len)) ||
        (rc = check_csr(err, m, indptr, indptr_len, indices, indices_len, data, data_len)) ||
        (rc = check_len(err, "h", h, h_len, m)) || (rc = check_len(err, "order", order, order_len, m)) ||
        (clamp && (rc = check_len(err, "clamp", clamp, clamp_len, m))) ||
        (tscale && (rc = check_len(err, "tscale", tscale, tscale_len, R))) ||
        (mom_nodes_len && (rc = check_len(err, "mom_first", mom_first, mom_first_len, product(R, mom_nodes_len)))) ||
        (mom_edges_len && (rc = check_len(err, "mom_second", mom_second, mom_second_len,
                                          product(R, mom_edges_len / 2)))))
        return rc;
    if (mom_nodes_len && !mom_nodes) return fail(err, "mom_nodes is NULL");
    if (mom_edges_len && (!mom_edges || mom_edges_len % 2))
        return fail(err, "mom_edges must hold node pairs, got %lld entries", (long long)mom_edges_len);
    for (int64_t j = 0; j < mom_nodes_len; j++)
        if (mom_nodes[j] < 0 || mom_nodes[j] >= m)
            return fail(err, "mom_nodes[%lld] = %lld outside [0, %lld)", (long long)j, (long long)mom_nodes[j], (long long)m);
    for (int64_t j = 0; j < mom_edges_len; j++)
        if (mom_edges[j] < 0 || mom_edges[j] >= m)
            return fail(err, "mom_edges[%lld] = %lld outside [0, %lld)", (long long)j, (long long)mom_edges[j], (long long)m);
    if (R == 0 || m == 0 || k1 == k0) return SONQ_OK;
    int64_t *starts = malloc((R + 1) * sizeof(int64_t)), *seg = malloc((m + 1) * sizeof(int64_t)),
            *mark = malloc(2 * m * sizeof(int64_t));
    int *widths = malloc((R + 1) * sizeof(int));
    int status = starts && seg && mark && widths ? SONQ_OK : SONQ_ENOMEM;
    /* order: a permutation of the nodes (checked before any node is read through it). */
    for (int64_t i = 0; status == SONQ_OK && i < m; i++) mark[i] = 0;
    for (int64_t q = 0; status == SONQ_OK && q < m; q++) {
        if (order[q] < 0 || order[q] >= m)
            status = fail(err, "order[%lld] = %lld outside [0, %lld)", (long long)q, (long long)order[q], (long long)m);
        else if (mark[order[q]]++)
            status = fail(err, "order lists node %lld twice (it must be a permutation)", (long long)order[q]);
    }
    if (status == SONQ_OK) {
        const int64_t whole[2] = {0, m}; /* the order as one run, on one thread */
        pbit_model a = {R, m, k0, draws, key, indptr, order, indices, data, h, temperature, whole, 1, clamp, tscale,
                        mom_nodes, mom_edges, mom_nodes_len, mom_edges_len / 2, mom_burn, mom_first, mom_second};
        const int64_t per_sweep = indptr[m] + m; /* couplings and nodes of one lane's sweep */
        const int nt = team(threads, per_sweep * R);
        /* Lane blocks: the widest whose count gives every thread one (32 reads on two threads: two
         * blocks of 16), no narrower than 8. */
        int wide = SONQ_LANES;
        while (wide > 8 && wide * (int64_t)nt > R / 8 * 8) wide /= 2;
        const int64_t nb = lane_blocks(R, wide, starts, widths);
        if (nb >= nt) {
            /* A block per thread at a time: no barrier inside a block. */
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
            for (int64_t b = 0; b < nb; b++)
                if (pbit_block(&a, k1, state, starts[b], widths[b], 1) != SONQ_OK) {
#pragma omp atomic write
                    status = SONQ_ENOMEM;
                }
        } else {
            /* Fewer blocks than threads: a team per block splits each segment's nodes, where the
             * segments hold enough work to pay for the barrier that ends each. */
            const int64_t nseg = pbit_segments(&a, seg, mark);
            for (int64_t b = 0; b < nb && status == SONQ_OK; b++) {
                const int64_t work = per_sweep * widths[b];
                const int split = work >= nseg * min_segment && team(threads, work) > 1;
                a.seg = split ? seg : whole;
                a.nseg = split ? nseg : 1;
                status = pbit_block(&a, k1, state, starts[b], widths[b], split ? team(threads, work) : 1);
            }
        }
    }
    free(starts);
    free(seg);
    free(mark);
    free(widths);
    return status;
}

int64_t sonq_dense_size(int64_t m, int64_t nnz) {
    if (m <= 0 || nnz < 0 || product(m, m) < 0) return 0;
    return nnz * SONQ_DENSE_FILL >= m * m ? (m + SONQ_PANEL - 1) / SONQ_PANEL * SONQ_PANEL * m : 0;
}

int sonq_pack_dense(int64_t m, const int64_t *indptr, int64_t indptr_len, const int32_t *indices, int64_t indices_len,
                    const double *data, int64_t data_len, double *dense, int64_t dense_len, char *err) {
    int rc;
    if (m < 0) return fail(err, "negative node count %lld", (long long)m);
    if ((rc = check_csr(err, m, indptr, indptr_len, indices, indices_len, data, data_len))) return rc;
    const int64_t size = sonq_dense_size(m, indptr[m]);
    if (!size) return fail(err, "couplings too sparse to pack (%lld of %lld² entries)", (long long)indptr[m], (long long)m);
    if ((rc = check_len(err, "dense", dense, dense_len, size))) return rc;
    for (int64_t q = 0; q < size; q++) dense[q] = 0.0;
    for (int64_t i = 0; i < m; i++)
        for (int64_t p = indptr[i]; p < indptr[i + 1]; p++)
            dense[((i / SONQ_PANEL) * m + indices[p]) * SONQ_PANEL + i % SONQ_PANEL] += data[p];
    return SONQ_OK;
}

void sonq_normals_fill(uint64_t key, uint32_t step, uint32_t replica, int64_t n, double *out, int threads) {
    const int64_t pairs = (n + 1) / 2, batches = (pairs + SONQ_BATCH - 1) / SONQ_BATCH;
#pragma omp parallel for schedule(static) num_threads(team(threads, n))
    for (int64_t q = 0; q < batches; q++) {
        uint32_t c0[SONQ_BATCH], c2[SONQ_BATCH];
        double n0[SONQ_BATCH], n1[SONQ_BATCH];
        for (int64_t j = 0; j < SONQ_BATCH; j++) {
            c0[j] = (uint32_t)(q * SONQ_BATCH + j);
            c2[j] = replica;
        }
        sonq_normals(key, c0, step, c2, n0, n1);
        for (int64_t j = 0; j < SONQ_BATCH; j++) {
            const int64_t i = 2 * (q * SONQ_BATCH + j);
            if (i < n) out[i] = n0[j];
            if (i + 1 < n) out[i + 1] = n1[j];
        }
    }
}

int sonq_openmp_threads(void) {
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 0;
#endif
}

double sonq_idle_spin(double seconds) {
    volatile double sink = 0.0;
#pragma omp parallel num_threads(2)
    {
        double s = 0.0;
        for (int i = 0; i < 1000; i++) s += i;
#pragma omp atomic
        sink += s;
    }
    struct timespec t0, t1, pause = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
    nanosleep(&pause, NULL);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
    return (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
}

int64_t sonq_pbit_min_segment(int64_t value) {
    const int64_t previous = min_segment;
    if (value >= 0) min_segment = value;
    return previous;
}
