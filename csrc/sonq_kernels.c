/* SONQ C kernels (C99 + OpenMP): the macromodels of docs/architecture.md.
 *
 * Replicas are processed in lane blocks (32, then 8, then 1 replicas).  Inside a block every node
 * array is node-major, x[i*lanes + r], so one pass over a CSR row serves all lanes with contiguous
 * SIMD loads and the coupling matrix is streamed once per block rather than once per replica.
 * SDE blocks run one after another, each with the thread team splitting the nodes (so one
 * replica on a large graph uses every core); p-bit blocks run in parallel, one per thread
 * (a Gibbs sweep is sequential across colour classes).
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
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "sonq_kernels.h"
#include "sonq_rng.h"

#define SONQ_LANES 32        /* widest lane block: 8 AVX-512 accumulators for the OIM's cos/sin sums */
#define SONQ_KC 48            /* couplings per k-block: 48 × 64 doubles of V (24 KiB) stay in L1 */
#define SONQ_DENSE_FILL 4     /* dense path once nnz ≥ m²/SONQ_DENSE_FILL */
/* Work-sharing chunk: fixed chunk boundaries give every thread count the same split into vector
 * bodies and scalar tails (vector and scalar sin/cos differ in the last bit). */
#define SONQ_CHUNK 64
#define SONQ_MIN_PARALLEL (1 << 16) /* (nnz + m)·lanes per step under which a barrier costs more than it saves */
#define SONQ_INLINE static inline __attribute__((always_inline))

/* Eight doubles, unaligned access allowed (GCC/Clang vector extension: one AVX-512 register, or
 * split into narrower operations on other targets). */
typedef double sonq_vec __attribute__((vector_size(64), aligned(8)));

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
} sde_model;

typedef struct {
    int64_t R, m, k0;
    const double *draws;
    uint64_t key;
    const int64_t *indptr, *order;
    const int32_t *indices;
    const double *data, *h, *temperature;
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
 * blocks per node and acc2 receives the sine sums.  Wide blocks keep one sum per lane, in CSR
 * order like the NumPy reference; a single lane splits the row into two partial sums to break
 * the floating-point dependency chain (rounding then differs at the 1e-16 level). */
SONQ_INLINE void row_dot(const int64_t *indptr, const int32_t *indices, const double *data, int64_t i,
                         const double *v, const int64_t lanes, const int pair, double *acc, double *acc2) {
    const int64_t stride = pair ? 2 * lanes : lanes, split = lanes == 1;
    double a0[SONQ_LANES] = {0}, a1[SONQ_LANES] = {0}, b0[SONQ_LANES] = {0}, b1[SONQ_LANES] = {0};
    int64_t p = indptr[i];
    if (split)
        for (; p + 1 < indptr[i + 1]; p += 2) {
            const double w0 = data[p], w1 = data[p + 1];
            const double *v0 = v + (int64_t)indices[p] * stride, *v1 = v + (int64_t)indices[p + 1] * stride;
            a0[0] += w0 * v0[0];
            a1[0] += w1 * v1[0];
            if (pair) {
                b0[0] += w0 * v0[1];
                b1[0] += w1 * v1[1];
            }
        }
    for (; p < indptr[i + 1]; p++) {
        const double w = data[p];
        const double *vj = v + (int64_t)indices[p] * stride;
        /* Full unrolling lets the compiler keep the lane sums in vector registers. */
#pragma GCC unroll 32
        for (int64_t r = 0; r < lanes; r++) a0[r] += w * vj[r];
        if (pair)
#pragma GCC unroll 32
            for (int64_t r = 0; r < lanes; r++) b0[r] += w * vj[lanes + r];
    }
    for (int64_t r = 0; r < lanes; r++) acc[r] = split ? a0[r] + a1[r] : a0[r];
    if (pair)
        for (int64_t r = 0; r < lanes; r++) acc2[r] = split ? b0[r] + b1[r] : b0[r];
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
 * k-block (static schedule), so each thread accumulates only its own rows and needs no barrier
 * until the end; every sum is taken in the same order whatever the thread count. */
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
#pragma omp barrier
}

/* Drift of node i for `lanes` replicas from its coupling sums ac (and, for the OIM, the sine sums as). */
SONQ_INLINE void drift_row(const sde_model *a, const int oim, double shil, int64_t i, const double *x,
                           const double *cs, const double *ac, const double *as, double *out, const int64_t lanes) {
    if (oim)
        /* Σ_j J_ij sin(φ_i − φ_j) = sin φ_i Σ J cos φ_j − cos φ_i Σ J sin φ_j;  sin 2φ = 2 sin φ cos φ */
        for (int64_t r = 0; r < lanes; r++) {
            const double c = cs[2 * i * lanes + r], s = cs[(2 * i + 1) * lanes + r];
            out[i * lanes + r] = s * ac[r] - c * as[r] - shil * (2.0 * s * c);
        }
    else {
        const double c2 = a->poly[3 * i], c3 = a->poly[3 * i + 1], c4 = a->poly[3 * i + 2];
        for (int64_t r = 0; r < lanes; r++) {
            const double xi = x[i * lanes + r];
            out[i * lanes + r] = -(a->h[i] + ac[r] + 2.0 * c2 * xi + 3.0 * c3 * xi * xi + 4.0 * c4 * xi * xi * xi);
        }
    }
}

/* Drift at node-major x → out for `lanes` replicas of the OIM (oim = 1) or Langevin cell (called
 * by every thread of the team); cs: scratch (2·m·lanes), (cos, sin) blocks per node; sums: scratch
 * for the dense path. */
SONQ_INLINE void drift_cell(const sde_model *a, const int oim, double shil, const double *x, double *out, double *cs,
                            double *sums, const int64_t lanes) {
    const int64_t m = a->m;
    if (oim)
#pragma omp for schedule(static, SONQ_CHUNK)
        for (int64_t i = 0; i < m; i++)
            for (int64_t r = 0; r < lanes; r++) {
                cs[2 * i * lanes + r] = cos(x[i * lanes + r]);
                cs[(2 * i + 1) * lanes + r] = sin(x[i * lanes + r]);
            }
    if (a->dense) {
        dense_sums(a, oim ? cs : x, sums, 1 + oim, lanes);
#pragma omp for schedule(static, SONQ_CHUNK)
        for (int64_t i = 0; i < m; i++)
            drift_row(a, oim, shil, i, x, cs, sums + i * (1 + oim) * lanes, sums + (2 * i + 1) * lanes, out, lanes);
        return;
    }
#pragma omp for schedule(static, SONQ_CHUNK)
    for (int64_t i = 0; i < m; i++) {
        double ac[SONQ_LANES], as[SONQ_LANES];
        row_dot(a->indptr, a->indices, a->data, i, oim ? cs : x, lanes, oim, ac, as);
        drift_row(a, oim, shil, i, x, cs, ac, as, out, lanes);
    }
}

/* The cell as a constant, so the register tiles and sum counts are fixed at compile time. */
SONQ_INLINE void sde_drift(const sde_model *a, double shil, const double *x, double *out, double *cs, double *sums,
                           const int64_t lanes) {
    if (a->cell == CELL_OIM)
        drift_cell(a, 1, shil, x, out, cs, sums, lanes);
    else
        drift_cell(a, 0, shil, x, out, cs, sums, lanes);
}

/* Kicks √(2T dt)·ξ of step k, node-major (called by every thread of the team).  The generator's
 * batches run over t = pair·lanes + lane, so a batch fills whole runs of xi. */
SONQ_INLINE void sde_kicks(const sde_model *a, int64_t k, int64_t r0, const int64_t lanes, double *xi) {
    const int64_t m = a->m;
    const double amp = sqrt(2.0 * a->temperature[k] * a->dt);
    if (a->draws) {
        const double *d = a->draws + ((k - a->k0) * a->R + r0) * m;
#pragma omp for schedule(static, SONQ_CHUNK)
        for (int64_t i = 0; i < m; i++)
            for (int64_t r = 0; r < lanes; r++) xi[i * lanes + r] = amp * d[r * m + i];
        return;
    }
    const int64_t total = (m + 1) / 2 * lanes, batches = (total + SONQ_BATCH - 1) / SONQ_BATCH;
#pragma omp for schedule(static, SONQ_CHUNK)
    for (int64_t q = 0; q < batches; q++) {
        uint32_t c0[SONQ_BATCH], c2[SONQ_BATCH];
        double n0[SONQ_BATCH], n1[SONQ_BATCH];
        for (int64_t j = 0; j < SONQ_BATCH; j++) {
            const int64_t t = q * SONQ_BATCH + j;
            c0[j] = (uint32_t)(t / lanes);
            c2[j] = (uint32_t)(r0 + t % lanes);
        }
        sonq_normals(a->key, c0, (uint32_t)k, c2, n0, n1);
        for (int64_t j = 0; j < SONQ_BATCH && q * SONQ_BATCH + j < total; j++) {
            const int64_t t = q * SONQ_BATCH + j, i = 2 * (t / lanes), r = t % lanes;
            xi[i * lanes + r] = amp * n0[j];
            if (i + 1 < m) xi[(i + 1) * lanes + r] = amp * n1[j];
        }
    }
}

/* Scratch doubles of a lane block: x, f0, f1, pred, xi (m·lanes each), cs (2·m·lanes) and the
 * dense path's sums (2·lanes per row of whole panels). */
static int64_t scratch_size(int64_t m, int64_t lanes) { return (9 * m + 2 * SONQ_PANEL) * lanes; }

/* Steps k0..k1−1 of replicas r0..r0+lanes−1 (Heun or Euler–Maruyama), run by every thread of
 * the team; buf: scratch (scratch_size). */
SONQ_INLINE void sde_team(const sde_model *a, int64_t k1, double *state, int64_t r0, const int64_t lanes,
                          double *buf) {
    const int64_t m = a->m, n = m * lanes;
    double *x = buf, *f0 = buf + n, *f1 = buf + 2 * n, *pred = buf + 3 * n, *xi = buf + 4 * n, *cs = buf + 5 * n,
           *sums = buf + 7 * n;
#pragma omp for schedule(static, SONQ_CHUNK)
    for (int64_t i = 0; i < m; i++)
        for (int64_t r = 0; r < lanes; r++) x[i * lanes + r] = state[(r0 + r) * m + i];
    for (int64_t k = a->k0; k < k1; k++) {
        const double dt = a->dt;
        sde_kicks(a, k, r0, lanes, xi);
        sde_drift(a, a->shil[k], x, f0, cs, sums, lanes);
        if (a->heun) {
#pragma omp for schedule(static, SONQ_CHUNK)
            for (int64_t q = 0; q < n; q++) pred[q] = x[q] + f0[q] * dt + xi[q];
            sde_drift(a, a->shil[k], pred, f1, cs, sums, lanes);
#pragma omp for schedule(static, SONQ_CHUNK)
            for (int64_t q = 0; q < n; q++) x[q] += 0.5 * (f0[q] + f1[q]) * dt + xi[q];
        } else {
#pragma omp for schedule(static, SONQ_CHUNK)
            for (int64_t q = 0; q < n; q++) x[q] += f0[q] * dt + xi[q];
        }
    }
#pragma omp for schedule(static, SONQ_CHUNK)
    for (int64_t i = 0; i < m; i++)
        for (int64_t r = 0; r < lanes; r++) state[(r0 + r) * m + i] = x[i * lanes + r];
}

/* Sweeps k0..k1−1 of replicas r0..r0+lanes−1, nodes in colour order (one thread). */
SONQ_INLINE void pbit_lanes(const pbit_model *a, int64_t k1, double *state, int64_t r0, const int64_t lanes) {
    const int64_t m = a->m;
    double *x = malloc(m * lanes * sizeof(double)), *u = malloc((m + 1) * lanes * sizeof(double));
    for (int64_t r = 0; r < lanes; r++)
        for (int64_t i = 0; i < m; i++) x[i * lanes + r] = state[(r0 + r) * m + i];
    for (int64_t k = a->k0; k < k1; k++) {
        const double T = a->temperature[k];
        if (!a->draws)
            for (int64_t r = 0; r < lanes; r++) sonq_uniforms(a->key, (uint32_t)(r0 + r), (uint32_t)k, m, u + r * (m + 1));
        for (int64_t q = 0; q < m; q++) {
            const int64_t i = a->order[q];
            double acc[SONQ_LANES];
            row_dot(a->indptr, a->indices, a->data, i, x, lanes, 0, acc, acc);
            for (int64_t r = 0; r < lanes; r++) {
                const double ui = a->draws ? a->draws[((k - a->k0) * a->R + r0 + r) * m + i] : u[r * (m + 1) + i];
                const double I = -(a->h[i] + acc[r]);
                const double act = T > 0 ? tanh(I / T) : (double)((I > 0) - (I < 0));
                x[i * lanes + r] = act > ui ? 1.0 : -1.0;
            }
        }
    }
    for (int64_t r = 0; r < lanes; r++)
        for (int64_t i = 0; i < m; i++) state[(r0 + r) * m + i] = x[i * lanes + r];
    free(x);
    free(u);
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
static void pbit_32(const pbit_model *a, int64_t k1, double *s, int64_t r0) { pbit_lanes(a, k1, s, r0, 32); }
static void pbit_8(const pbit_model *a, int64_t k1, double *s, int64_t r0) { pbit_lanes(a, k1, s, r0, 8); }
static void pbit_1(const pbit_model *a, int64_t k1, double *s, int64_t r0) { pbit_lanes(a, k1, s, r0, 1); }

/* Lane blocks of R replicas: widths[b] replicas starting at starts[b]; returns the count. */
static int64_t lane_blocks(int64_t R, int64_t *starts, int *widths) {
    static const int sizes[3] = {32, 8, 1};
    int64_t nb = 0, r = 0;
    for (int s = 0; s < 3; s++)
        for (; r + sizes[s] <= R; r += sizes[s], nb++) {
            starts[nb] = r;
            widths[nb] = sizes[s];
        }
    return nb;
}

void sonq_sde(int cell, int heun, int64_t R, int64_t m, int64_t k0, int64_t k1, double *state,
              const double *draws, uint64_t key, const int64_t *indptr, const int32_t *indices,
              const double *data, const double *dense, const double *h, const double *poly,
              const double *temperature, const double *shil, double dt, int threads) {
    const sde_model a = {cell, heun, R, m, k0, draws, key, indptr, indices, data, dense, h, poly, temperature,
                         shil, dt};
    int64_t *starts = malloc((R + 1) * sizeof(int64_t));
    int *widths = malloc((R + 1) * sizeof(int));
    const int64_t nb = lane_blocks(R, starts, widths);
    const int nt = team(threads, (indptr[m] + m) * (R < SONQ_LANES ? R : SONQ_LANES));
    /* Enough blocks for every thread: one block per thread, no barrier inside a block (robust
     * when other processes share the cores).  Otherwise the team splits each block's nodes. */
    const int per_block = nb >= nt;
#pragma omp parallel for schedule(dynamic, 1) num_threads(per_block ? nt : 1)
    for (int64_t b = 0; b < nb; b++) {
        double *buf = malloc(scratch_size(m, widths[b]) * sizeof(double));
        const int inner = per_block ? 1 : team(threads, (indptr[m] + m) * widths[b]);
        /* The dense product costs m² FMAs from registers per lane against nnz FMAs that each wait
         * on a load, so lane blocks of 8 or more take it from nnz ≥ m²/SONQ_DENSE_FILL on; a
         * single lane streams the matrix either way, 8 bytes per entry of m² against 12 per
         * nonzero, so it takes the dense path only from nnz ≥ 2m²/3 on. */
        sde_model block = a;
        if (widths[b] == 1 && 3 * indptr[m] < 2 * m * m) block.dense = NULL;
        (widths[b] == 32 ? sde_32 : widths[b] == 8 ? sde_8 : sde_1)(&block, k1, state, starts[b], buf, inner);
        free(buf);
    }
    free(starts);
    free(widths);
}

void sonq_pbit(int64_t R, int64_t m, int64_t k0, int64_t k1, double *state, const double *draws,
               uint64_t key, const int64_t *indptr, const int32_t *indices, const double *data,
               const double *h, const int64_t *order, const double *temperature, int threads) {
    const pbit_model a = {R, m, k0, draws, key, indptr, order, indices, data, h, temperature};
    int64_t *starts = malloc((R + 1) * sizeof(int64_t));
    int *widths = malloc((R + 1) * sizeof(int));
    const int64_t nb = lane_blocks(R, starts, widths);
#pragma omp parallel for schedule(dynamic, 1) num_threads(team(threads, nb * SONQ_MIN_PARALLEL))
    for (int64_t b = 0; b < nb; b++)
        (widths[b] == 32 ? pbit_32 : widths[b] == 8 ? pbit_8 : pbit_1)(&a, k1, state, starts[b]);
    free(starts);
    free(widths);
}

int64_t sonq_dense_size(int64_t m, int64_t nnz) {
    return nnz * SONQ_DENSE_FILL >= m * m ? (m + SONQ_PANEL - 1) / SONQ_PANEL * SONQ_PANEL * m : 0;
}

void sonq_pack_dense(int64_t m, const int64_t *indptr, const int32_t *indices, const double *data, double *dense) {
    const int64_t size = (m + SONQ_PANEL - 1) / SONQ_PANEL * SONQ_PANEL * m;
    for (int64_t q = 0; q < size; q++) dense[q] = 0.0;
    for (int64_t i = 0; i < m; i++)
        for (int64_t p = indptr[i]; p < indptr[i + 1]; p++)
            dense[((i / SONQ_PANEL) * m + indices[p]) * SONQ_PANEL + i % SONQ_PANEL] += data[p];
}

int sonq_openmp_threads(void) {
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 0;
#endif
}
