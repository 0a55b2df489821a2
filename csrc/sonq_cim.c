/* SONQ C kernel of the coherent Ising machine cell (C99 + OpenMP); see sonq_cim.h and docs/cim.md.
 *
 * Each step: (1) the spins s = sign x of the replicas; (2) the coupling products Jx and Js of all
 * of them, four replicas per pass over a row of J (a dense row-major copy for all-to-all couplings,
 * CSR otherwise); (3) per replica: the energy H = ½ sᵀJs, the amplitude step with its noise, the
 * error variables' step, the replica's a, β, H_opt, clock and register.  With at least one group of
 * four replicas per thread, each thread runs its own groups through every step with no barrier
 * (robust when other processes share the cores); with fewer, the team splits the products' rows,
 * so every core works at any replica count.  Operations follow the NumPy reference's order
 * (runtime/kernels/cim.py), so a noise tape gives its trajectory to rounding in float64 (the dense
 * sums run in a vectorized order).
 *
 * Precision: the body below is compiled twice, in double and in float (this file includes itself
 * with CIM_REAL defined).  The float version works on float copies of the state and J (energies,
 * H_opt and the per-replica values stay double), converting at the block's ends.
 *
 * Noise: draws (k−k0, r, i) when given; otherwise normal i of replica r at step k from the
 * counter-based generator (sonq_rng.h: counter (i/2, k, r, normal stream), as sonq_sde's kicks),
 * so runs do not depend on the thread count. */
#ifndef CIM_REAL

#define _POSIX_C_SOURCE 200112L /* posix_memalign */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "sonq_cim.h"
#include "sonq_rng.h"

#define CIM_E_MAX 32.0             /* error variables clipped from above (cim-optimizer's EMAX_FLOAT) */
#define CIM_MIN_PARALLEL (1 << 14) /* (nnz + m)·R per step under which one thread beats the barriers */
#define CIM_RB 4                   /* replicas per pass over a row of J */

enum { RULE_AHC = 0, RULE_CAC = 1 };
enum { P_PUMP, P_AHC_EPS, P_AHC_BETA, P_AHC_TARGET, P_CAC_EPS, P_CAC_ALPHA, P_CAC_GAMMA, P_CAC_RHO, P_CAC_DELTA,
       P_CAC_TAU };

/* n elements of `size` bytes on a 64-byte boundary. */
static void *cim_array(int64_t n, size_t size) {
    void *p = NULL;
    return posix_memalign(&p, 64, (size_t)(n > 0 ? n : 1) * size) ? NULL : p;
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

/* The arguments of one call, precision-independent. */
typedef struct {
    int rule;
    int64_t R, m, k0, k1, steps;
    double *state;
    const double *draws;
    uint64_t key;
    const double *dense;
    const int64_t *indptr;
    const int32_t *indices;
    const double *data, *temperature, *params;
    double *aux, dt;
    const uint8_t *clamp; /* (m,) 1 for a held node (x, e and register kept), or NULL */
    int threads;
} cim_call;

#define CIM_REAL double
#define CIM_F(name) name##_f64
#include "sonq_cim.c"
#undef CIM_REAL
#undef CIM_F
#define CIM_REAL float
#define CIM_F(name) name##_f32
#include "sonq_cim.c"
#undef CIM_REAL
#undef CIM_F

void sonq_cim(int rule, int single, int64_t R, int64_t m, int64_t k0, int64_t k1, int64_t steps, double *state,
              const double *draws, uint64_t key, const double *dense, const int64_t *indptr,
              const int32_t *indices, const double *data, const double *temperature, const double *params,
              double *aux, double dt, const uint8_t *clamp, int threads) {
    const cim_call c = {rule, R, m, k0, k1, steps, state, draws, key, dense, indptr, indices, data, temperature,
                        params, aux, dt, clamp, threads};
    if (single)
        cim_run_f32(&c);
    else
        cim_run_f64(&c);
}

#else /* the body, in CIM_REAL */

typedef CIM_REAL CIM_F(real);
#define real CIM_F(real)

/* Rows i and i + 1 of the products for replicas r..r+3: 16 sums over k, each coupling and amplitude
 * loaded once for two rows or four replicas. */
static inline void CIM_F(pair_rows)(const real *J, const real *state, const real *s, int64_t m, int64_t i, int64_t r,
                                    real *jx, real *js) {
    const real *restrict J0 = J + i * m, *restrict J1 = J0 + m;
    const real *restrict x0 = state + (r + 0) * 3 * m, *restrict x1 = state + (r + 1) * 3 * m,
                         *restrict x2 = state + (r + 2) * 3 * m, *restrict x3 = state + (r + 3) * 3 * m;
    const real *restrict s0 = s + (r + 0) * m, *restrict s1 = s + (r + 1) * m, *restrict s2 = s + (r + 2) * m,
                         *restrict s3 = s + (r + 3) * m;
    real a00 = 0, a01 = 0, a02 = 0, a03 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0;
    real b00 = 0, b01 = 0, b02 = 0, b03 = 0, b10 = 0, b11 = 0, b12 = 0, b13 = 0;
    for (int64_t k = 0; k < m; k++) {
        const real u = J0[k], w = J1[k], xa = x0[k], xb = x1[k], xc = x2[k], xd = x3[k];
        const real sa = s0[k], sb = s1[k], sc = s2[k], sd = s3[k];
        a00 += u * xa;
        a01 += u * xb;
        a02 += u * xc;
        a03 += u * xd;
        a10 += w * xa;
        a11 += w * xb;
        a12 += w * xc;
        a13 += w * xd;
        b00 += u * sa;
        b01 += u * sb;
        b02 += u * sc;
        b03 += u * sd;
        b10 += w * sa;
        b11 += w * sb;
        b12 += w * sc;
        b13 += w * sd;
    }
    jx[(r + 0) * m + i] = a00;
    jx[(r + 1) * m + i] = a01;
    jx[(r + 2) * m + i] = a02;
    jx[(r + 3) * m + i] = a03;
    jx[(r + 0) * m + i + 1] = a10;
    jx[(r + 1) * m + i + 1] = a11;
    jx[(r + 2) * m + i + 1] = a12;
    jx[(r + 3) * m + i + 1] = a13;
    js[(r + 0) * m + i] = b00;
    js[(r + 1) * m + i] = b01;
    js[(r + 2) * m + i] = b02;
    js[(r + 3) * m + i] = b03;
    js[(r + 0) * m + i + 1] = b10;
    js[(r + 1) * m + i + 1] = b11;
    js[(r + 2) * m + i + 1] = b12;
    js[(r + 3) * m + i + 1] = b13;
}

/* jx[r·m + i] = Σ_k J_ik x_r[k], js likewise for the spins, for rows i0..i1−1 and R replicas
 * (x_r at state + r·3m).  Rows go in pairs for whole groups of four replicas; i0 is even, so the
 * pairing, and with it every sum's arithmetic, is the same whatever the split. */
static void CIM_F(dense_rows)(const real *J, const real *state, const real *s, int64_t R, int64_t m, int64_t i0,
                              int64_t i1, real *jx, real *js) {
    const int64_t groups_end = R / CIM_RB * CIM_RB;
    int64_t paired = i0;
    for (; paired + 1 < i1; paired += 2)
        for (int64_t r = 0; r < groups_end; r += CIM_RB) CIM_F(pair_rows)(J, state, s, m, paired, r, jx, js);
    /* What the pairs left: an odd last row for the groups, and every row for the replicas past them. */
    for (int64_t i = i0; i < i1; i++) {
        const real *restrict Ji = J + i * m;
        int64_t r = i < paired ? groups_end : 0;
        for (; r + CIM_RB <= R; r += CIM_RB) {
            const real *restrict x0 = state + (r + 0) * 3 * m, *restrict x1 = state + (r + 1) * 3 * m,
                                 *restrict x2 = state + (r + 2) * 3 * m, *restrict x3 = state + (r + 3) * 3 * m;
            const real *restrict s0 = s + (r + 0) * m, *restrict s1 = s + (r + 1) * m, *restrict s2 = s + (r + 2) * m,
                                 *restrict s3 = s + (r + 3) * m;
            real a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
            for (int64_t k = 0; k < m; k++) {
                const real w = Ji[k];
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
            const real *restrict xr = state + r * 3 * m, *restrict sr = s + r * m;
            real a = 0, b = 0;
            for (int64_t k = 0; k < m; k++) {
                a += Ji[k] * xr[k];
                b += Ji[k] * sr[k];
            }
            jx[r * m + i] = a;
            js[r * m + i] = b;
        }
    }
}

static void CIM_F(sparse_rows)(const int64_t *indptr, const int32_t *indices, const real *data, const real *state,
                               const real *s, int64_t R, int64_t m, int64_t i0, int64_t i1, real *jx, real *js) {
    for (int64_t r = 0; r < R; r++) {
        const real *xr = state + r * 3 * m, *sr = s + r * m;
        for (int64_t i = i0; i < i1; i++) {
            real a = 0, b = 0;
            for (int64_t p = indptr[i]; p < indptr[i + 1]; p++) {
                a += data[p] * xr[indices[p]];
                b += data[p] * sr[indices[p]];
            }
            jx[r * m + i] = a;
            js[r * m + i] = b;
        }
    }
}

/* The working arrays of one call: the state (R × 3m) and couplings in `real`, spins and products. */
typedef struct {
    const cim_call *c;
    real *x, *J, *data, *s, *jx, *js;
    double *noise;
    int64_t noise_room;
} CIM_F(work);

/* The spins of replicas r0..r1−1. */
static void CIM_F(spins)(const CIM_F(work) *w, int64_t r0, int64_t r1) {
    const int64_t m = w->c->m;
    for (int64_t r = r0; r < r1; r++)
        for (int64_t i = 0; i < m; i++) w->s[r * m + i] = w->x[r * 3 * m + i] > 0 ? (real)1 : (real)-1;
}

/* Coupling products of replicas r0..r1−1 (r0 a multiple of CIM_RB, so every replica falls in the
 * same group of four, and takes the same arithmetic, whatever the split), rows i0..i1−1. */
static void CIM_F(products)(const CIM_F(work) *w, int64_t r0, int64_t r1, int64_t i0, int64_t i1) {
    const int64_t m = w->c->m;
    if (w->J)
        CIM_F(dense_rows)(w->J, w->x + r0 * 3 * m, w->s + r0 * m, r1 - r0, m, i0, i1, w->jx + r0 * m, w->js + r0 * m);
    else
        CIM_F(sparse_rows)(w->c->indptr, w->c->indices, w->data, w->x + r0 * 3 * m, w->s + r0 * m, r1 - r0, m, i0,
                           i1, w->jx + r0 * m, w->js + r0 * m);
}

/* Step k of replica r after its products: energy, amplitudes with their noise, error variables,
 * the replica's a, β, H_opt, t_c and register. */
static void CIM_F(update)(const CIM_F(work) *w, int64_t k, int64_t r) {
    const cim_call *c = w->c;
    const int64_t m = c->m, steps = c->steps, R = c->R, kk = k - c->k0; /* kk: the block's row of P */
    const double *P = c->params;
    double *a = c->aux, *beta = c->aux + R, *h_opt = c->aux + 2 * R, *t_c = c->aux + 3 * R;
    const real dt = (real)c->dt, pump = (real)P[P_PUMP * steps + kk];
    const real eps = (real)(c->rule == RULE_AHC ? P[P_AHC_EPS * steps + kk] : P[P_CAC_EPS * steps + kk]);
    const real amp = (real)sqrt(2.0 * c->temperature[kk] * c->dt);
    real *restrict x = w->x + r * 3 * m, *restrict e = x + m, *restrict best = x + 2 * m;
    const real *restrict sr = w->s + r * m, *restrict jsr = w->js + r * m, *restrict jxr = w->jx + r * m;
    const double *xi;
    if (c->draws)
        xi = c->draws + ((k - c->k0) * R + r) * m;
    else {
        replica_normals(c->key, k, r, m, w->noise + r * w->noise_room);
        xi = w->noise + r * w->noise_room;
    }
    double sjs = 0.0;
    for (int64_t i = 0; i < m; i++) sjs += (double)sr[i] * (double)jsr[i];
    real ar, br;
    if (c->rule == RULE_AHC) {
        ar = (real)(P[P_AHC_TARGET * steps + kk] - (double)eps * sjs / m);
        br = (real)P[P_AHC_BETA * steps + kk];
    } else {
        ar = (real)a[r];
        br = (real)beta[r];
    }
    for (int64_t i = 0; i < m; i++) {
        if (c->clamp && c->clamp[i]) continue;
        const real xv = x[i];
        real v = xv + dt * (xv * ((pump - 1) - xv * xv));
        v = v - dt * eps * (jxr[i] * e[i]);
        v = v + amp * (real)xi[i];
        const real x2 = v * v;
        const real en = c->rule == RULE_AHC ? e[i] + dt * (-br * (x2 - ar) * e[i]) : e[i] + (-br * (x2 - ar) * e[i]) * dt;
        x[i] = v;
        e[i] = en < (real)CIM_E_MAX ? en : (real)CIM_E_MAX;
    }
    const double H = 0.5 * sjs;
    if (c->rule == RULE_CAC) {
        beta[r] = beta[r] + P[P_CAC_GAMMA * steps + kk] * c->dt;
        a[r] = P[P_CAC_ALPHA * steps + kk] + P[P_CAC_RHO * steps + kk] * tanh(P[P_CAC_DELTA * steps + kk] * (H - h_opt[r]));
        if (t_c[r] < (double)k - P[P_CAC_TAU * steps + kk] / c->dt) {
            beta[r] = 0.0;
            t_c[r] = (double)k;
        }
    }
    if (H < h_opt[r]) {
        t_c[r] = (double)k;
        h_opt[r] = H;
        for (int64_t i = 0; i < m; i++)
            if (!c->clamp || !c->clamp[i]) best[i] = sr[i];
    }
}

static void CIM_F(cim_run)(const cim_call *c) {
    const int64_t R = c->R, m = c->m, k0 = c->k0, k1 = c->k1;
    const int64_t nnz = c->dense ? m * m : c->indptr[m];
    CIM_F(work) w = {c, cim_array(R * 3 * m, sizeof(real)), NULL, NULL, cim_array(R * m, sizeof(real)),
                     cim_array(R * m, sizeof(real)), cim_array(R * m, sizeof(real)), NULL,
                     2 * SONQ_BATCH * (((m + 1) / 2 + SONQ_BATCH - 1) / SONQ_BATCH)};
    if (!c->draws) w.noise = cim_array(R * w.noise_room, sizeof(double));
    for (int64_t q = 0; q < R * 3 * m; q++) w.x[q] = (real)c->state[q];
    if (c->dense) {
        w.J = cim_array(m * m, sizeof(real));
        for (int64_t q = 0; q < m * m; q++) w.J[q] = (real)c->dense[q];
    } else {
        w.data = cim_array(nnz, sizeof(real));
        for (int64_t q = 0; q < nnz; q++) w.data[q] = (real)c->data[q];
    }
    int nt = 1;
#ifdef _OPENMP
    nt = c->threads > 0 ? c->threads : omp_get_max_threads();
    if ((nnz + m) * R < CIM_MIN_PARALLEL) nt = 1;
#endif
    const int64_t groups = (R + CIM_RB - 1) / CIM_RB;
    if (groups >= nt) {
        /* Enough replicas for every thread: each runs its own groups through every step. */
#pragma omp parallel for schedule(static, 1) num_threads(nt)
        for (int t = 0; t < nt; t++) {
            const int64_t r0 = groups * t / nt * CIM_RB, r1e = groups * (t + 1) / nt * CIM_RB, r1 = r1e < R ? r1e : R;
            for (int64_t k = k0; k < k1; k++) {
                CIM_F(spins)(&w, r0, r1);
                CIM_F(products)(&w, r0, r1, 0, m);
                for (int64_t r = r0; r < r1; r++) CIM_F(update)(&w, k, r);
            }
        }
    } else {
        /* Few replicas: the team splits the products' rows (two barriers per step). */
        /* Even tiles: the dense product's row pairs never straddle two. */
        const int64_t tile = (m / (8 * nt) + 2) / 2 * 2, tiles = (m + tile - 1) / tile;
#pragma omp parallel num_threads(nt)
        for (int64_t k = k0; k < k1; k++) {
#pragma omp single
            CIM_F(spins)(&w, 0, R);
#pragma omp for schedule(static)
            for (int64_t b = 0; b < tiles; b++)
                CIM_F(products)(&w, 0, R, b * tile, (b + 1) * tile < m ? (b + 1) * tile : m);
#pragma omp single
            for (int64_t r = 0; r < R; r++) CIM_F(update)(&w, k, r);
        }
    }
    /* Held nodes keep their double values (a float round trip would round them). */
    for (int64_t q = 0; q < R * 3 * m; q++)
        if (!c->clamp || !c->clamp[q % (3 * m) % m]) c->state[q] = (double)w.x[q];
    free(w.x);
    free(w.J);
    free(w.data);
    free(w.s);
    free(w.jx);
    free(w.js);
    free(w.noise);
}

#undef real
#endif
