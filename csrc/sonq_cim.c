/* SONQ C kernel of the coherent Ising machine cell (C99 + OpenMP); see sonq_cim.h and docs/cim.md.
 *
 * One parallel region per call.  Each step: (1) the spins s = sign x of every replica; (2) the
 * coupling products Jx and Js of all replicas at once, the team splitting the nodes (rows of J), so
 * every core works at any replica count, with J's rows read once per four replicas from a dense
 * row-major copy (all-to-all couplings) or from CSR; (3) per replica (split over the team): the
 * energy H = ½ sᵀJs, the amplitude step with its noise, and the error variables' step (and CAC's
 * per-replica values).  Operations follow the NumPy reference's order (runtime/kernels/cim.py), so
 * a noise tape gives its trajectory to rounding (the dense sums run in a vectorized order).
 *
 * Noise: draws (k−k0, r, i) when given; otherwise normal i of replica r at step k from the
 * counter-based generator (sonq_rng.h: counter (i/2, k, r, normal stream), as sonq_sde's kicks). */
#define _POSIX_C_SOURCE 200112L /* posix_memalign */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "sonq_cim.h"
#include "sonq_rng.h"

#define CIM_E_MAX 32.0          /* error variables clipped from above (cim-optimizer's EMAX_FLOAT) */
#define CIM_MIN_PARALLEL (1 << 14) /* (nnz + m)·R per step under which one thread beats the barriers */
#define CIM_RB 4                /* replicas per pass over a row of J */

enum { RULE_AHC = 0, RULE_CAC = 1 };
enum { P_PUMP, P_AHC_EPS, P_AHC_BETA, P_AHC_TARGET, P_CAC_EPS, P_CAC_ALPHA, P_CAC_GAMMA, P_CAC_RHO, P_CAC_DELTA,
       P_CAC_TAU };

static double *cim_array(int64_t n) {
    void *p = NULL;
    return posix_memalign(&p, 64, (size_t)(n > 0 ? n : 1) * sizeof(double)) ? NULL : p;
}

/* jx[r·m + i] = Σ_k J_ik x_r[k], js likewise for the spins, for rows i0..i1−1 and every replica. */
static void dense_rows(const double *J, const double *state, const double *s, int64_t R, int64_t m, int64_t i0,
                       int64_t i1, double *jx, double *js) {
    for (int64_t i = i0; i < i1; i++) {
        const double *restrict Ji = J + i * m;
        int64_t r = 0;
        for (; r + CIM_RB <= R; r += CIM_RB) {
            const double *restrict x0 = state + (r + 0) * 3 * m, *restrict x1 = state + (r + 1) * 3 * m,
                                   *restrict x2 = state + (r + 2) * 3 * m, *restrict x3 = state + (r + 3) * 3 * m;
            const double *restrict s0 = s + (r + 0) * m, *restrict s1 = s + (r + 1) * m, *restrict s2 = s + (r + 2) * m,
                                   *restrict s3 = s + (r + 3) * m;
            double a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
            for (int64_t k = 0; k < m; k++) {
                const double w = Ji[k];
                a0 += w * x0[k];
                a1 += w * x1[k];
                a2 += w * x2[k];
                a3 += w * x3[k];
                b0 += w * s0[k];
                b1 += w * s1[k];
                b2 += w * s2[k];
                b3 += w * s3[k];
            }
            jx[(r + 0) * m + i] = a0;
            jx[(r + 1) * m + i] = a1;
            jx[(r + 2) * m + i] = a2;
            jx[(r + 3) * m + i] = a3;
            js[(r + 0) * m + i] = b0;
            js[(r + 1) * m + i] = b1;
            js[(r + 2) * m + i] = b2;
            js[(r + 3) * m + i] = b3;
        }
        for (; r < R; r++) {
            const double *restrict xr = state + r * 3 * m, *restrict sr = s + r * m;
            double a = 0, b = 0;
            for (int64_t k = 0; k < m; k++) {
                a += Ji[k] * xr[k];
                b += Ji[k] * sr[k];
            }
            jx[r * m + i] = a;
            js[r * m + i] = b;
        }
    }
}

static void sparse_rows(const int64_t *indptr, const int32_t *indices, const double *data, const double *state,
                        const double *s, int64_t R, int64_t m, int64_t i0, int64_t i1, double *jx, double *js) {
    for (int64_t r = 0; r < R; r++) {
        const double *xr = state + r * 3 * m, *sr = s + r * m;
        for (int64_t i = i0; i < i1; i++) {
            double a = 0, b = 0;
            for (int64_t p = indptr[i]; p < indptr[i + 1]; p++) {
                a += data[p] * xr[indices[p]];
                b += data[p] * sr[indices[p]];
            }
            jx[r * m + i] = a;
            js[r * m + i] = b;
        }
    }
}

/* Standard normals of replica r at step k for nodes 0..m−1 into out (room for
 * 2·SONQ_BATCH·⌈pairs/SONQ_BATCH⌉ doubles). */
static void replica_normals(uint64_t key, int64_t k, int64_t r, int64_t m, double *out) {
    const int64_t pairs = (m + 1) / 2;
    for (int64_t q = 0; q < pairs; q += SONQ_BATCH) {
        uint32_t c0[SONQ_BATCH], c2[SONQ_BATCH];
        double n0[SONQ_BATCH], n1[SONQ_BATCH];
        for (int j = 0; j < SONQ_BATCH; j++) {
            c0[j] = (uint32_t)(q + j);
            c2[j] = (uint32_t)r;
        }
        sonq_normals(key, c0, (uint32_t)k, c2, n0, n1);
        for (int j = 0; j < SONQ_BATCH; j++) {
            out[2 * (q + j)] = n0[j];
            out[2 * (q + j) + 1] = n1[j];
        }
    }
}

typedef struct {
    int rule;
    int64_t R, m, k0, steps;
    double *state;
    const double *draws;
    uint64_t key;
    const double *dense;
    const int64_t *indptr;
    const int32_t *indices;
    const double *data, *temperature, *params;
    double *aux, dt;
    double *s, *jx, *js, *noise;
    int64_t noise_room;
} cim_model;

/* The spins of replicas r0..r1−1. */
static void cim_spins(const cim_model *c, int64_t r0, int64_t r1) {
    const int64_t m = c->m;
    for (int64_t r = r0; r < r1; r++)
        for (int64_t i = 0; i < m; i++) c->s[r * m + i] = c->state[r * 3 * m + i] > 0 ? 1.0 : -1.0;
}

/* Coupling products of replicas r0..r1−1 (r0 a multiple of CIM_RB, so every replica falls in the
 * same group of four, and takes the same arithmetic, whatever the split), rows i0..i1−1. */
static void cim_products(const cim_model *c, int64_t r0, int64_t r1, int64_t i0, int64_t i1) {
    const int64_t m = c->m;
    if (c->dense)
        dense_rows(c->dense, c->state + r0 * 3 * m, c->s + r0 * m, r1 - r0, m, i0, i1, c->jx + r0 * m, c->js + r0 * m);
    else
        sparse_rows(c->indptr, c->indices, c->data, c->state + r0 * 3 * m, c->s + r0 * m, r1 - r0, m, i0, i1,
                    c->jx + r0 * m, c->js + r0 * m);
}

/* Step k of replica r after its products: energy, amplitudes with their noise, error variables and
 * (CAC) the replica's a, β, H_opt, t_c. */
static void cim_update(const cim_model *c, int64_t k, int64_t r) {
    const int64_t m = c->m, steps = c->steps, R = c->R;
    const double *P = c->params, dt = c->dt;
    double *a = c->aux, *beta = c->aux + R, *h_opt = c->aux + 2 * R, *t_c = c->aux + 3 * R;
    const double pump = P[P_PUMP * steps + k];
    const double eps = c->rule == RULE_AHC ? P[P_AHC_EPS * steps + k] : P[P_CAC_EPS * steps + k];
    const double amp = sqrt(2.0 * c->temperature[k] * dt);
    double *restrict x = c->state + r * 3 * m, *restrict e = x + m, *restrict best = x + 2 * m;
    const double *restrict sr = c->s + r * m, *restrict jsr = c->js + r * m, *restrict jxr = c->jx + r * m;
    const double *xi;
    if (c->draws)
        xi = c->draws + ((k - c->k0) * R + r) * m;
    else {
        replica_normals(c->key, k, r, m, c->noise + r * c->noise_room);
        xi = c->noise + r * c->noise_room;
    }
    double sjs = 0.0;
    for (int64_t i = 0; i < m; i++) sjs += sr[i] * jsr[i];
    double ar, br;
    if (c->rule == RULE_AHC) {
        ar = P[P_AHC_TARGET * steps + k] - eps * sjs / m;
        br = P[P_AHC_BETA * steps + k];
    } else {
        ar = a[r];
        br = beta[r];
    }
    for (int64_t i = 0; i < m; i++) {
        const double xv = x[i];
        double v = xv + dt * (xv * ((pump - 1) - xv * xv));
        v = v - dt * eps * (jxr[i] * e[i]);
        v = v + amp * xi[i];
        const double x2 = v * v;
        const double en = c->rule == RULE_AHC ? e[i] + dt * (-br * (x2 - ar) * e[i]) : e[i] + (-br * (x2 - ar) * e[i]) * dt;
        x[i] = v;
        e[i] = en < CIM_E_MAX ? en : CIM_E_MAX;
    }
    const double H = 0.5 * sjs;
    if (c->rule == RULE_CAC) {
        beta[r] = br + P[P_CAC_GAMMA * steps + k] * dt;
        a[r] = P[P_CAC_ALPHA * steps + k] + P[P_CAC_RHO * steps + k] * tanh(P[P_CAC_DELTA * steps + k] * (H - h_opt[r]));
        if (t_c[r] < (double)k - P[P_CAC_TAU * steps + k] / dt) {
            beta[r] = 0.0;
            t_c[r] = (double)k;
        }
    }
    if (H < h_opt[r]) {
        t_c[r] = (double)k;
        h_opt[r] = H;
        for (int64_t i = 0; i < m; i++) best[i] = sr[i];
    }
}

void sonq_cim(int rule, int64_t R, int64_t m, int64_t k0, int64_t k1, int64_t steps, double *state,
              const double *draws, uint64_t key, const double *dense, const int64_t *indptr,
              const int32_t *indices, const double *data, const double *temperature, const double *params,
              double *aux, double dt, int threads) {
    const int64_t nnz = dense ? m * m : indptr[m];
    const int64_t noise_room = 2 * SONQ_BATCH * (((m + 1) / 2 + SONQ_BATCH - 1) / SONQ_BATCH);
    cim_model c = {rule, R, m, k0, steps, state, draws, key, dense, indptr, indices, data, temperature, params,
                   aux, dt, cim_array(R * m), cim_array(R * m), cim_array(R * m),
                   draws ? NULL : cim_array(R * noise_room), noise_room};
    int nt = 1;
#ifdef _OPENMP
    nt = threads > 0 ? threads : omp_get_max_threads();
    if ((nnz + m) * R < CIM_MIN_PARALLEL) nt = 1;
#else
    (void)threads;
#endif
    const int64_t groups = (R + CIM_RB - 1) / CIM_RB;
    if (groups >= nt) {
        /* Enough replicas for every thread: each runs its own replicas (whole groups of four)
         * through every step, with no barrier (robust when other processes share the cores). */
#pragma omp parallel for schedule(static, 1) num_threads(nt)
        for (int t = 0; t < nt; t++) {
            const int64_t r0 = groups * t / nt * CIM_RB, r1e = groups * (t + 1) / nt * CIM_RB,
                          r1 = r1e < R ? r1e : R;
            for (int64_t k = k0; k < k1; k++) {
                cim_spins(&c, r0, r1);
                cim_products(&c, r0, r1, 0, m);
                for (int64_t r = r0; r < r1; r++) cim_update(&c, k, r);
            }
        }
    } else {
        /* Few replicas: the team splits the products' rows (two barriers per step). */
        const int64_t tile = m / (8 * nt) > 1 ? m / (8 * nt) : 1, tiles = (m + tile - 1) / tile;
#pragma omp parallel num_threads(nt)
        for (int64_t k = k0; k < k1; k++) {
#pragma omp single
            cim_spins(&c, 0, R);
#pragma omp for schedule(static)
            for (int64_t b = 0; b < tiles; b++)
                cim_products(&c, 0, R, b * tile, (b + 1) * tile < m ? (b + 1) * tile : m);
#pragma omp single
            for (int64_t r = 0; r < R; r++) cim_update(&c, k, r);
        }
    }
    free(c.s);
    free(c.jx);
    free(c.js);
    free(c.noise);
}
