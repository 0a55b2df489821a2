/* SONQ C kernels (C99 + OpenMP): the macromodels of docs/architecture.md.
 *
 * Replicas are processed in lane blocks (32, then 8, then 1 replicas).  Inside a block every node
 * array is node-major, x[i*lanes + r], so one pass over a CSR row serves all lanes with contiguous
 * SIMD loads and the coupling matrix is streamed once per block rather than once per replica.
 * SDE blocks run one after another, each with the thread team splitting the nodes (so one
 * replica on a large graph uses every core); p-bit blocks run in parallel, one per thread
 * (a Gibbs sweep is sequential across colour classes).
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
#define SONQ_PAIR_CHUNK 256  /* node pairs per generator work item */
/* Work-sharing chunk: fixed chunk boundaries give every thread count the same split into vector
 * bodies and scalar tails (vector and scalar sin/cos differ in the last bit). */
#define SONQ_CHUNK 64
#define SONQ_MIN_PARALLEL (1 << 16) /* (nnz + m)·lanes per step under which a barrier costs more than it saves */
#define SONQ_INLINE static inline __attribute__((always_inline))

enum { CELL_OIM = 0, CELL_LANGEVIN = 1 };

typedef struct {
    int cell, heun;
    int64_t R, m, k0;
    const double *draws;
    uint64_t key;
    const int64_t *indptr;
    const int32_t *indices;
    const double *data, *h, *poly, *temperature, *shil;
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

/* Drift at node-major x → out for `lanes` replicas (called by every thread of the team);
 * cs: scratch (2·m·lanes), (cos, sin) blocks per node. */
SONQ_INLINE void sde_drift(const sde_model *a, double shil, const double *x, double *out, double *cs,
                           const int64_t lanes) {
    const int64_t m = a->m;
    if (a->cell == CELL_OIM) {
#pragma omp for schedule(static, SONQ_CHUNK)
        for (int64_t i = 0; i < m; i++)
            for (int64_t r = 0; r < lanes; r++) {
                cs[2 * i * lanes + r] = cos(x[i * lanes + r]);
                cs[(2 * i + 1) * lanes + r] = sin(x[i * lanes + r]);
            }
#pragma omp for schedule(static, SONQ_CHUNK)
        for (int64_t i = 0; i < m; i++) {
            double ac[SONQ_LANES], as[SONQ_LANES];
            row_dot(a->indptr, a->indices, a->data, i, cs, lanes, 1, ac, as);
            /* Σ_j J_ij sin(φ_i − φ_j) = sin φ_i Σ J cos φ_j − cos φ_i Σ J sin φ_j;  sin 2φ = 2 sin φ cos φ */
            for (int64_t r = 0; r < lanes; r++) {
                const double c = cs[2 * i * lanes + r], s = cs[(2 * i + 1) * lanes + r];
                out[i * lanes + r] = s * ac[r] - c * as[r] - shil * (2.0 * s * c);
            }
        }
    } else {
#pragma omp for schedule(static, SONQ_CHUNK)
        for (int64_t i = 0; i < m; i++) {
            double acc[SONQ_LANES];
            row_dot(a->indptr, a->indices, a->data, i, x, lanes, 0, acc, acc);
            const double c2 = a->poly[3 * i], c3 = a->poly[3 * i + 1], c4 = a->poly[3 * i + 2];
            for (int64_t r = 0; r < lanes; r++) {
                const double xi = x[i * lanes + r];
                out[i * lanes + r] = -(a->h[i] + acc[r] + 2.0 * c2 * xi + 3.0 * c3 * xi * xi + 4.0 * c4 * xi * xi * xi);
            }
        }
    }
}

/* Kicks √(2T dt)·ξ of step k, node-major (called by every thread of the team). */
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
    const int64_t pairs = (m + 1) / 2, chunks = (pairs + SONQ_PAIR_CHUNK - 1) / SONQ_PAIR_CHUNK;
#pragma omp for schedule(static, SONQ_CHUNK)
    for (int64_t c = 0; c < chunks; c++) {
        double tmp[2 * SONQ_PAIR_CHUNK];
        const int64_t p0 = c * SONQ_PAIR_CHUNK, i0 = 2 * p0;
        const int64_t n = (m - i0 < 2 * SONQ_PAIR_CHUNK) ? m - i0 : 2 * SONQ_PAIR_CHUNK;
        for (int64_t r = 0; r < lanes; r++) {
            sonq_normals(a->key, (uint32_t)(r0 + r), (uint32_t)k, p0, (n + 1) / 2, tmp);
            for (int64_t q = 0; q < n; q++) xi[(i0 + q) * lanes + r] = amp * tmp[q];
        }
    }
}

/* Steps k0..k1−1 of replicas r0..r0+lanes−1 (Heun or Euler–Maruyama), run by every thread of
 * the team; buf: scratch (7·m·lanes). */
SONQ_INLINE void sde_team(const sde_model *a, int64_t k1, double *state, int64_t r0, const int64_t lanes,
                          double *buf) {
    const int64_t m = a->m, n = m * lanes;
    double *x = buf, *f0 = buf + n, *f1 = buf + 2 * n, *pred = buf + 3 * n, *xi = buf + 4 * n, *cs = buf + 5 * n;
#pragma omp for schedule(static, SONQ_CHUNK)
    for (int64_t i = 0; i < m; i++)
        for (int64_t r = 0; r < lanes; r++) x[i * lanes + r] = state[(r0 + r) * m + i];
    for (int64_t k = a->k0; k < k1; k++) {
        const double dt = a->dt;
        sde_kicks(a, k, r0, lanes, xi);
        sde_drift(a, a->shil[k], x, f0, cs, lanes);
        if (a->heun) {
#pragma omp for schedule(static, SONQ_CHUNK)
            for (int64_t q = 0; q < n; q++) pred[q] = x[q] + f0[q] * dt + xi[q];
            sde_drift(a, a->shil[k], pred, f1, cs, lanes);
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
              const double *data, const double *h, const double *poly, const double *temperature,
              const double *shil, double dt, int threads) {
    const sde_model a = {cell, heun, R, m, k0, draws, key, indptr, indices, data, h, poly, temperature, shil, dt};
    int64_t *starts = malloc((R + 1) * sizeof(int64_t));
    int *widths = malloc((R + 1) * sizeof(int));
    const int64_t nb = lane_blocks(R, starts, widths);
    const int nt = team(threads, (indptr[m] + m) * (R < SONQ_LANES ? R : SONQ_LANES));
    /* Enough blocks for every thread: one block per thread, no barrier inside a block (robust
     * when other processes share the cores).  Otherwise the team splits each block's nodes. */
    const int per_block = nb >= nt;
#pragma omp parallel for schedule(dynamic, 1) num_threads(per_block ? nt : 1)
    for (int64_t b = 0; b < nb; b++) {
        double *buf = malloc(7 * m * widths[b] * sizeof(double));
        const int inner = per_block ? 1 : team(threads, (indptr[m] + m) * widths[b]);
        (widths[b] == 32 ? sde_32 : widths[b] == 8 ? sde_8 : sde_1)(&a, k1, state, starts[b], buf, inner);
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

int sonq_openmp_threads(void) {
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 0;
#endif
}
