/* SONQ kpo kernels (C99 + OpenMP): simulated bifurcation steps of Kerr parametric oscillator
 * networks (device_models/cells/kpo.py, runtime/kernels/kpo.py), float64 or float32.
 *
 * Replicas are processed in lane blocks of up to four SIMD vectors (32 float64 or 64 float32
 * replicas; the last block is padded to whole vectors), node-major inside a block: x[i·W + l].
 * A step of node i needs only its own x, y and the coupling sums Σ_j J_ij f(x_j) of the previous
 * drift, so each step is one fused pass over the nodes: coupling sums (for dense couplings a
 * register-blocked product of KPO_RB(NV) rows of J, packed in row panels, with the block's f
 * vectors; CSR rows otherwise), the coupling (and Kerr) kick, the walls, then the next step's detuning and thermal kick and its
 * drift, writing the next f.  With a SIMD vector of replicas per thread or more, the replicas are
 * shared out in at least one lane block per thread and each thread runs whole blocks with no
 * barrier; with fewer, the team splits each block's nodes, one barrier per step separating the
 * passes (so a single replica uses every core too).
 *
 * Noise: draws (k − k0, r, i) when given, consumed as the NumPy reference does; otherwise the
 * counter-based generator of sonq_rng.h with the counters of sonq_kernels.c's kicks (node pair,
 * step, replica, normal stream), so a number depends only on (key, replica, step, node).
 *
 * The float64 and float32 kernels are one template: this file includes itself twice with REAL,
 * VW and the name suffix defined (the first inclusion, below, holds the shared code). */
#ifndef SONQ_KPO_BODY
#define _POSIX_C_SOURCE 200112L /* posix_memalign */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "sonq_kpo.h"
#include "sonq_rng.h"

#define KPO_MAXV 4          /* SIMD vectors per lane block */
/* Accumulator vectors of a register tile of the dense product, rows × vectors of lanes: 24 of the
 * 32 AVX-512 registers (the rest hold a coupling row's f vectors), fewer where vectors are split
 * into narrower registers.  A tile of KPO_RB(NV) rows reads the block's f vectors once, so wide
 * tiles cut the traffic from L2 that re-reading them costs. */
#ifndef KPO_ACC
#ifdef __AVX512F__
#define KPO_ACC 24
#else
#define KPO_ACC 4
#endif
#endif
/* Rows per panel of the packed dense couplings: panel b holds rows b·KPO_PANEL.. column by column,
 * dense[(b·m + j)·KPO_PANEL + r] = J[b·KPO_PANEL + r, j], so the couplings of one column a tile
 * needs are adjacent (one pointer per panel, immediate offsets), and the panel height is the
 * widest lane block's tile, so each panel is streamed once per step. */
#define KPO_PANEL (KPO_ACC / KPO_MAXV > 2 ? KPO_ACC / KPO_MAXV : 2)
/* Rows per tile of NV vectors of lanes: whole panels (even, for the noise's node pairs), as many as
 * KPO_ACC accumulators hold. */
#define KPO_RB(NV) (KPO_PANEL * (KPO_ACC / ((NV) * KPO_PANEL) > 1 ? KPO_ACC / ((NV) * KPO_PANEL) : 1))
#define KPO_RB_MAX KPO_RB(1) /* every tile height divides it; the panels are padded to a multiple */
#define KPO_TILE_VECS (KPO_ACC > 2 * KPO_MAXV ? KPO_ACC : 2 * KPO_MAXV) /* ≥ KPO_RB(NV)·NV for every NV */
#define KPO_DENSE_FILL 4    /* dense product once nnz ≥ m²/KPO_DENSE_FILL */
#define KPO_MIN_PARALLEL (1 << 14) /* (nnz + m)·lanes per step under which one thread does a block */
#define KPO_INLINE static inline __attribute__((always_inline))

enum { KPO_BALLISTIC = 0, KPO_DISCRETE = 1, KPO_ADIABATIC = 2 };

typedef struct {
    int rule;
    int64_t R, m, k0, k1;
    const double *draws;
    uint64_t key;
    const int64_t *indptr;
    const int32_t *indices;
    const double *data, *h, *detune, *amp;
    const void *dense;
    double drift, gain, dt;
    const uint8_t *clamp; /* (m,) 1 for a held node (x kept, y = 0), or NULL */
} kpo_model;

static int kpo_max_threads(int threads) {
#ifdef _OPENMP
    return threads > 0 ? threads : omp_get_max_threads();
#else
    (void)threads;
    return 1;
#endif
}

static int kpo_thread(void) {
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

static int kpo_threads_here(void) {
#ifdef _OPENMP
    return omp_get_num_threads();
#else
    return 1;
#endif
}

static void *kpo_alloc(int64_t bytes) {
    void *p = NULL;
    return posix_memalign(&p, 64, (size_t)(bytes > 0 ? bytes : 64)) ? NULL : p;
}

/* Generator normals of step k for nodes i0..i1−1 (i0 even) and lanes r0..r0+W−1 into
 * out[(i − i0)·W + l]; out has room for (i1 − i0 + 1)·W + 2·SONQ_BATCH doubles (whole batches are
 * stored; the surplus is never read). */
KPO_INLINE void kpo_normals(uint64_t key, int64_t k, int64_t r0, int64_t W, int64_t i0, int64_t i1, double *out) {
    const int64_t total = (i1 - i0 + 1) / 2 * W;
    for (int64_t q = 0; q < total; q += SONQ_BATCH) {
        uint32_t c0[SONQ_BATCH], c2[SONQ_BATCH];
        double n0[SONQ_BATCH], n1[SONQ_BATCH];
        int64_t pair[SONQ_BATCH], lane[SONQ_BATCH];
        for (int64_t j = 0; j < SONQ_BATCH; j++) {
            pair[j] = (q + j) / W;
            lane[j] = (q + j) % W;
            c0[j] = (uint32_t)(i0 / 2 + pair[j]);
            c2[j] = (uint32_t)(r0 + lane[j]);
        }
        sonq_normals(key, c0, (uint32_t)k, c2, n0, n1);
        for (int64_t j = 0; j < SONQ_BATCH; j++) {
            out[2 * pair[j] * W + lane[j]] = n0[j];
            out[(2 * pair[j] + 1) * W + lane[j]] = n1[j];
        }
    }
}

#define SONQ_KPO_BODY 1
#define REAL double
#define VW 8
#define S(name) name##_f64
#include "sonq_kpo.c"
#undef REAL
#undef VW
#undef S
#define REAL float
#define VW 16
#define S(name) name##_f32
#include "sonq_kpo.c"
#undef REAL
#undef VW
#undef S

/* Panels of the packed couplings, padded with zero rows to a multiple of KPO_RB_MAX rows. */
static int64_t kpo_panels(int64_t m) { return (m + KPO_RB_MAX - 1) / KPO_RB_MAX * (KPO_RB_MAX / KPO_PANEL); }

int64_t sonq_kpo_dense_size(int64_t m, int64_t nnz) {
    return nnz * KPO_DENSE_FILL >= m * m ? kpo_panels(m) * KPO_PANEL * m : 0;
}

void sonq_kpo_pack_dense(int64_t m, const int64_t *indptr, const int32_t *indices, const double *data, int single,
                         void *dense) {
    const int64_t size = kpo_panels(m) * KPO_PANEL * m;
    for (int64_t q = 0; q < size; q++) {
        if (single)
            ((float *)dense)[q] = 0.0f;
        else
            ((double *)dense)[q] = 0.0;
    }
    for (int64_t i = 0; i < m; i++)
        for (int64_t p = indptr[i]; p < indptr[i + 1]; p++) {
            const int64_t q = ((i / KPO_PANEL) * m + indices[p]) * KPO_PANEL + i % KPO_PANEL;
            if (single)
                ((float *)dense)[q] += (float)data[p];
            else
                ((double *)dense)[q] += data[p];
        }
}

void sonq_kpo(int rule, int single, int64_t R, int64_t m, int64_t k0, int64_t k1, double *state,
              const double *draws, uint64_t key, const int64_t *indptr, const int32_t *indices,
              const double *data, const void *dense, const double *h, const double *detune, const double *amp,
              double drift, double gain, double dt, const uint8_t *clamp, int threads) {
    if (k1 <= k0 || R <= 0 || m <= 0) return;
    const kpo_model a = {rule, R, m, k0, k1, draws, key, indptr, indices, data, h, detune, amp, dense, drift, gain, dt,
                         clamp};
    if (single)
        kpo_run_f32(&a, state, threads);
    else
        kpo_run_f64(&a, state, threads);
}

#else /* ------------------------------------------------------------------ the template (REAL, VW, S) */

typedef REAL S(kvec) __attribute__((vector_size(VW * sizeof(REAL)), aligned(sizeof(REAL))));

/* acc[r·NV + v] = Σ_j J[i + r, j] · F[j·W + v·VW ..] for r < RBC rows (i a multiple of RBC, a
 * multiple of KPO_PANEL; rows past m are the panels' zero padding): each coupling loaded feeds NV
 * vectors of lanes, each vector of f RBC rows. */
KPO_INLINE void S(dense_rows)(const REAL *J, int64_t m, int64_t i, const REAL *F, const int NV, const int RBC,
                              S(kvec) *acc) {
    const int64_t W = NV * VW;
    S(kvec) t[KPO_TILE_VECS]; /* sized to the tile, so GCC keeps it in registers */
#pragma GCC unroll 24
    for (int q = 0; q < RBC * NV; q++) t[q] = (S(kvec)){0};
    const REAL *panel = J + (i / KPO_PANEL) * m * KPO_PANEL;
    for (int64_t j = 0; j < m; j++) {
        S(kvec) f[KPO_MAXV];
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) f[v] = *(const S(kvec) *)(F + j * W + v * VW);
#pragma GCC unroll 24
        for (int r = 0; r < RBC; r++) {
            const REAL w = panel[(r / KPO_PANEL) * m * KPO_PANEL + j * KPO_PANEL + r % KPO_PANEL];
#pragma GCC unroll 4
            for (int v = 0; v < NV; v++) t[r * NV + v] += w * f[v];
        }
    }
#pragma GCC unroll 24
    for (int q = 0; q < RBC * NV; q++) acc[q] = t[q];
}

/* acc[v] = Σ_p data[p] · F[indices[p]·W + v·VW ..] over CSR row i, in CSR order. */
KPO_INLINE void S(csr_row)(const kpo_model *a, int64_t i, const REAL *F, const int NV, S(kvec) *acc) {
    const int64_t W = NV * VW;
    S(kvec) t[KPO_MAXV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) t[v] = (S(kvec)){0};
    for (int64_t p = a->indptr[i]; p < a->indptr[i + 1]; p++) {
        const REAL w = (REAL)a->data[p];
        const REAL *fj = F + (int64_t)a->indices[p] * W;
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) t[v] += w * *(const S(kvec) *)(fj + v * VW);
    }
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) acc[v] = t[v];
}

/* The start of step k for nodes i0..i1−1: detuning and thermal kick, drift, f into F. */
KPO_INLINE void S(open)(const kpo_model *a, int64_t k, int64_t r0, int64_t nreal, const int NV, int64_t i0,
                        int64_t i1, REAL *x, REAL *y, REAL *F, double *noise) {
    const int64_t W = NV * VW;
    const REAL c1 = (REAL)a->detune[k - a->k0], amp = (REAL)a->amp[k - a->k0], drift = (REAL)a->drift;
    const int kick = a->amp[k - a->k0] != 0.0;
    if (kick && !a->draws) kpo_normals(a->key, k, r0, W, i0, i1, noise);
    for (int64_t i = i0; i < i1; i++) {
        const int held = a->clamp && a->clamp[i];
        for (int64_t l = 0; l < W; l++) {
            const int64_t q = i * W + l;
            REAL xi = x[q], yi = y[q] + c1 * xi;
            if (held) {
                y[q] = 0;
                F[q] = a->rule == KPO_DISCRETE ? (REAL)((xi > 0) - (xi < 0)) : xi;
                continue;
            }
            if (kick) {
                REAL e;
                if (a->draws)
                    e = l < nreal ? (REAL)a->draws[((k - a->k0) * a->R + r0 + l) * a->m + i] : (REAL)0;
                else
                    e = (REAL)noise[(i - i0) * W + l];
                yi = yi + amp * e;
            }
            xi = xi + drift * yi;
            x[q] = xi;
            y[q] = yi;
            F[q] = a->rule == KPO_DISCRETE ? (REAL)((xi > 0) - (xi < 0)) : xi;
        }
    }
}

/* The rest of step k for nodes i0..i1−1 (i0 a multiple of KPO_RB(NV)) from the coupling sums of Fc:
 * coupling (and Kerr) kick, walls; then, when `next`, step k+1's opening into Fn. */
KPO_INLINE void S(close)(const kpo_model *a, int64_t k, int64_t r0, int64_t nreal, const int NV, int64_t i0,
                         int64_t i1, REAL *x, REAL *y, const REAL *Fc, REAL *Fn, int next, double *noise) {
    const int64_t W = NV * VW, m = a->m;
    const REAL gain = (REAL)a->gain, dt = (REAL)a->dt;
    const REAL *J = (const REAL *)a->dense;
    const int RB = KPO_RB(NV);
    for (int64_t i = i0; i < i1; i += RB) {
        const int64_t rb = i1 - i < RB ? i1 - i : RB;
        S(kvec) acc[KPO_RB_MAX * KPO_MAXV];
        if (J)
            S(dense_rows)(J, m, i, Fc, NV, RB, acc); /* a short last tile reads the panel's padding */
        else
            for (int64_t r = 0; r < rb; r++) S(csr_row)(a, i + r, Fc, NV, acc + r * NV);
        for (int64_t r = 0; r < rb; r++) {
            if (a->clamp && a->clamp[i + r]) continue; /* held: x kept, y = 0 */
            const REAL hi = (REAL)a->h[i + r];
            const REAL *s = (const REAL *)(acc + r * NV);
            for (int64_t l = 0; l < W; l++) {
                const int64_t q = (i + r) * W + l;
                REAL xi = x[q], yi = y[q] + gain * (s[l] + hi);
                if (a->rule == KPO_ADIABATIC)
                    yi = yi + (-dt) * (xi * xi * xi);
                else if (xi > (REAL)1 || xi < (REAL)-1) {
                    yi = 0;
                    xi = xi > (REAL)1 ? (REAL)1 : (REAL)-1;
                }
                x[q] = xi;
                y[q] = yi;
            }
        }
        if (next) S(open)(a, k + 1, r0, nreal, NV, i, i + rb, x, y, Fn, noise);
    }
}

/* Steps k0..k1−1 of the lane block of replicas r0..r0+nreal−1 (padded to NV vectors); buf holds
 * x, y, Fa, Fb (m·W each).  team: called by every thread of a team that splits the nodes (then
 * barriers separate the passes); else by one thread. */
KPO_INLINE void S(block_nv)(const kpo_model *a, double *state, int64_t r0, int64_t nreal, REAL *buf, int team,
                            const int NV) {
    const int64_t W = NV * VW, m = a->m, n = m * W;
    REAL *x = buf, *y = buf + n, *Fc = buf + 2 * n, *Fn = buf + 3 * n;
    const int64_t RB = KPO_RB(NV), tiles = (m + RB - 1) / RB;
    const int nth = team ? kpo_threads_here() : 1, tid = team ? kpo_thread() : 0;
    const int64_t chunk = (tiles + nth - 1) / nth;
    const int64_t i0 = tid * chunk * RB < m ? tid * chunk * RB : m;
    const int64_t i1 = (tid + 1) * chunk * RB < m ? (tid + 1) * chunk * RB : m;
    double noise[(KPO_RB_MAX + 3) * KPO_MAXV * 16 + 2 * SONQ_BATCH]; /* (rows + 3)·W + 2 batches, W ≤ 64 */
    double *big = NULL; /* the opening pass's noise for all of this thread's nodes */
    if (a->amp[0] != 0.0 && !a->draws) big = kpo_alloc(((i1 - i0 + 3) * W + 2 * SONQ_BATCH) * (int64_t)sizeof(double));
    for (int64_t i = i0; i < i1; i++)
        for (int64_t l = 0; l < W; l++) {
            x[i * W + l] = l < nreal ? (REAL)state[(r0 + l) * 2 * m + i] : (REAL)0;
            y[i * W + l] = l < nreal ? (REAL)state[(r0 + l) * 2 * m + m + i] : (REAL)0;
        }
    S(open)(a, a->k0, r0, nreal, NV, i0, i1, x, y, Fc, big);
    free(big);
    for (int64_t k = a->k0; k < a->k1; k++) {
        if (team) {
#pragma omp barrier
        }
        S(close)(a, k, r0, nreal, NV, i0, i1, x, y, Fc, Fn, k + 1 < a->k1, noise);
        REAL *t = Fc;
        Fc = Fn;
        Fn = t;
    }
    for (int64_t i = i0; i < i1; i++) {
        if (a->clamp && a->clamp[i]) { /* held: x keeps its double value (no float round trip), y = 0 */
            for (int64_t l = 0; l < nreal; l++) state[(r0 + l) * 2 * m + m + i] = 0.0;
            continue;
        }
        for (int64_t l = 0; l < nreal; l++) {
            state[(r0 + l) * 2 * m + i] = (double)x[i * W + l];
            state[(r0 + l) * 2 * m + m + i] = (double)y[i * W + l];
        }
    }
}

/* NV as a constant, so the register tiles are fixed at compile time. */
static void S(block)(const kpo_model *a, double *state, int64_t r0, int64_t nreal, REAL *buf, int team, int NV) {
    switch (NV) {
    case 1: S(block_nv)(a, state, r0, nreal, buf, team, 1); break;
    case 2: S(block_nv)(a, state, r0, nreal, buf, team, 2); break;
    case 3: S(block_nv)(a, state, r0, nreal, buf, team, 3); break;
    default: S(block_nv)(a, state, r0, nreal, buf, team, 4); break;
    }
}

/* Lane block b of nb over V vectors of lanes: its first replica, its vectors and its real replicas
 * (vectors shared out as evenly as possible, the earlier blocks taking the extra ones). */
static void S(lane_block)(int64_t R, int64_t V, int64_t nb, int64_t b, int64_t *r0, int *nv, int64_t *nreal) {
    const int64_t base = V / nb, extra = V % nb;
    *nv = (int)(base + (b < extra));
    *r0 = VW * (b * base + (b < extra ? b : extra));
    *nreal = R - *r0 < *nv * VW ? R - *r0 : *nv * VW;
}

static void S(kpo_run)(const kpo_model *a, double *state, int threads) {
    const int64_t R = a->R, m = a->m, V = (R + VW - 1) / VW;
    const int64_t nnz = a->dense ? m * m : a->indptr[m];
    const int nt = kpo_max_threads(threads);
    /* Lane blocks of at most KPO_MAXV vectors; at least one per thread when there are vectors
     * enough, so that each thread runs whole blocks with no barrier (robust when other processes
     * share the cores: a team that meets at a barrier every step waits for its slowest thread). */
    int64_t nb = (V + KPO_MAXV - 1) / KPO_MAXV;
    if (nb < nt && V >= nt) nb = nt;
    if (nb >= nt && nt > 1) {
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
        for (int64_t b = 0; b < nb; b++) {
            int64_t r0, nreal;
            int nv;
            S(lane_block)(R, V, nb, b, &r0, &nv, &nreal);
            REAL *buf = kpo_alloc(4 * m * nv * VW * (int64_t)sizeof(REAL));
            S(block)(a, state, r0, nreal, buf, 0, nv);
            free(buf);
        }
        return;
    }
    /* Fewer vectors than threads: the team splits each block's nodes. */
    for (int64_t b = 0; b < nb; b++) {
        int64_t r0, nreal;
        int nv;
        S(lane_block)(R, V, nb, b, &r0, &nv, &nreal);
        const int64_t work = (nnz + m) * nv * VW, tiles = (m + KPO_RB(nv) - 1) / KPO_RB(nv);
        const int team = work < KPO_MIN_PARALLEL ? 1 : (int)(tiles < nt ? tiles : nt);
        REAL *buf = kpo_alloc(4 * m * nv * VW * (int64_t)sizeof(REAL));
        if (team > 1) {
#pragma omp parallel num_threads(team)
            S(block)(a, state, r0, nreal, buf, 1, nv);
        } else
            S(block)(a, state, r0, nreal, buf, 0, nv);
        free(buf);
    }
}

#endif
