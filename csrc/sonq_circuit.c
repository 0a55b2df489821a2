/* SONQ circuit emulator kernel (C99 + optional OpenMP): runtime/circuit/numba_kernel.py in C.
 *
 * One call integrates every replica over a range of samples (the run in calls that Python cuts so that
 * Ctrl-C is seen between them); replicas are independent and
 * split among OpenMP threads, each thread owning one scratch buffer.  The arithmetic is the Numba
 * engine's, operation for operation and in the same order (CSR rows, then inductors, van der Pol
 * elements and noise sources, each in index order), so the three engines agree to rounding.  This
 * file opts out of the extension's -ffast-math (and of FMA contraction), which would let the
 * compiler reorder those sums: built by GCC it reproduces the Numba engine bit for bit, and it is
 * no slower (the loops are scatter/gather bound, not vectorizable). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-fast-math", "fp-contract=off")
#elif defined(__clang__) && __clang_major__ >= 12
#pragma clang fp reassociate(off) contract(off)
#endif
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "sonq_circuit.h"

/* 1 + μ(t) cos ωt, μ the piecewise-linear depth (np.searchsorted(side="left") − 1 for the segment,
 * as the Numba engine; held constant outside the first and last points). */
static double pump_factor(const sonq_circuit *c, double t) {
    const double *d = c->depth;
    int64_t P = c->P;
    double mu;
    if (P == 1 || t <= d[0]) {
        mu = d[1];
    } else if (t >= d[2 * (P - 1)]) {
        mu = d[2 * (P - 1) + 1];
    } else {
        int64_t lo = 0, hi = P;  /* first index with time ≥ t */
        while (lo < hi) {
            int64_t mid = lo + (hi - lo) / 2;
            if (d[2 * mid] < t)
                lo = mid + 1;
            else
                hi = mid;
        }
        int64_t k = lo - 1;
        double f = (t - d[2 * k]) / (d[2 * (k + 1)] - d[2 * k]);
        mu = d[2 * k + 1] + f * (d[2 * (k + 1) + 1] - d[2 * k + 1]);
    }
    return 1.0 + mu * cos(c->omega * t);
}

/* Node voltages v [N] of the charges q [N] at time t. */
static void voltages(const sonq_circuit *c, const double *q, double t, double *v) {
    int64_t N = c->N;
    if (c->dense) {
        for (int64_t a = 0; a < N; a++) {
            const double *row = c->c_inv + a * N;
            double acc = 0.0;
            for (int64_t b = 0; b < N; b++)
                acc += row[b] * q[b];
            v[a] = acc;
        }
    } else {
        double f = pump_factor(c, t);
        for (int64_t a = 0; a < N; a++)
            v[a] = q[a] / (c->c_diag[a] + c->c_pump[a] * f);
    }
}

/* Node currents out [N] (amperes into each node) for voltages v [N], inductor currents i [nL] and
 * the noise at fraction `frac` of the way from the samples w0 [S] to w1 [S]. */
static void currents(const sonq_circuit *c, const double *v, const double *i, const double *w0, const double *w1,
                     double frac, double *out) {
    for (int64_t a = 0; a < c->N; a++) {
        double acc = c->dc[a];
        for (int64_t p = c->indptr[a]; p < c->indptr[a + 1]; p++)
            acc -= c->data[p] * v[c->indices[p]];
        out[a] = acc;
    }
    for (int64_t k = 0; k < c->nL; k++) {
        if (c->la[k] >= 0)
            out[c->la[k]] -= i[k];
        if (c->lb[k] >= 0)
            out[c->lb[k]] += i[k];
    }
    for (int64_t k = 0; k < c->nV; k++) {
        int64_t a = c->va[k], b = c->vb[k];
        double u = (a >= 0 ? v[a] : 0.0) - (b >= 0 ? v[b] : 0.0);
        double f = c->g[k] * u - c->gamma[k] * u * u * u;
        if (a >= 0)
            out[a] += f;
        if (b >= 0)
            out[b] -= f;
    }
    for (int64_t k = 0; k < c->S; k++) {
        double w = (1.0 - frac) * w0[k] + frac * w1[k];
        if (c->na[k] >= 0)
            out[c->na[k]] += w;
        if (c->nb[k] >= 0)
            out[c->nb[k]] -= w;
    }
}

/* One replica over samples j0 → j1: q [N] and cur [nL] are its state, advanced in place; scratch
 * holds 4N + nL doubles. */
static void run_replica(const sonq_circuit *c, int64_t r, int64_t R, int64_t j0, int64_t j1, int64_t substeps,
                        double dt, const double *noise, double *q, double *cur, int64_t K, const int64_t *record,
                        double *out_v, double *out_i, double *scratch) {
    int64_t N = c->N, nL = c->nL, S = c->S;
    double *v = scratch, *f = v + N, *qh = f + N, *pred = qh + N, *emf = pred + N;
    double h = dt / (double)substeps;
    int64_t slot = 0;
    while (slot < K && record[slot] <= j0 && !(j0 == 0 && record[slot] == 0))
        slot++;
    if (j0 == 0 && K > 0 && record[0] == 0) {
        voltages(c, q, 0.0, out_v + r * N);
        for (int64_t k = 0; k < nL; k++)
            out_i[r * nL + k] = cur[k];
        slot = 1;
    }
    for (int64_t j = j0; j < j1; j++) {
        const double *w0 = noise + (j * R + r) * S, *w1 = noise + ((j + 1) * R + r) * S;
        for (int64_t s = 0; s < substeps; s++) {
            double fa = (double)s / (double)substeps, fb = (double)(s + 1) / (double)substeps;
            double t = ((double)j + fa) * dt;
            /* kick: q½ = q + h/2 · I(v(q, t), i, w(t)) */
            voltages(c, q, t, v);
            currents(c, v, cur, w0, w1, fa, f);
            for (int64_t a = 0; a < N; a++)
                qh[a] = q[a] + 0.5 * h * f[a];
            /* drift: the trapezoid rule in each inductor current, its series EMF averaged over the step */
            if (nL) {
                voltages(c, qh, t + 0.5 * h, v);
                for (int64_t k = 0; k < nL; k++)
                    emf[k] = 0.0;
                double fm = 0.5 * (fa + fb);
                for (int64_t src = 0; src < S; src++) {
                    int64_t k = c->ns[src];
                    if (k >= 0)
                        emf[k] += c->Rl[k] * ((1.0 - fm) * w0[src] + fm * w1[src]);
                }
                for (int64_t k = 0; k < nL; k++) {
                    double u = (c->la[k] >= 0 ? v[c->la[k]] : 0.0) - (c->lb[k] >= 0 ? v[c->lb[k]] : 0.0);
                    double damp = 0.5 * h * c->Rl[k] / c->L[k];
                    cur[k] = ((1.0 - damp) * cur[k] + h * (u + emf[k]) / c->L[k]) / (1.0 + damp);
                }
            }
            /* kick with one fixed-point correction: q* from the currents at q½, q' from those at q* */
            voltages(c, qh, t + h, v);
            currents(c, v, cur, w0, w1, fb, f);
            for (int64_t a = 0; a < N; a++)
                pred[a] = qh[a] + 0.5 * h * f[a];
            voltages(c, pred, t + h, v);
            currents(c, v, cur, w0, w1, fb, f);
            for (int64_t a = 0; a < N; a++)
                q[a] = qh[a] + 0.5 * h * f[a];
        }
        if (slot < K && record[slot] == j + 1) {
            voltages(c, q, (double)(j + 1) * dt, out_v + (slot * R + r) * N);
            for (int64_t k = 0; k < nL; k++)
                out_i[(slot * R + r) * nL + k] = cur[k];
            slot++;
        }
    }
}

int sonq_circuit_run(const sonq_circuit *circuit, int64_t R, int64_t steps, int64_t j0, int64_t j1, int64_t substeps,
                     double dt, const double *noise, double *q, double *i, int64_t K, const int64_t *record,
                     double *out_v, double *out_i, int threads) {
    const sonq_circuit *c = circuit;
    int64_t N = c->N, nL = c->nL;
    /* per thread: the scratch of run_replica */
    size_t per_thread = (size_t)(4 * N + nL);
    int failed = 0;
    (void)steps;
#ifdef _OPENMP
    int nt = threads > 0 ? threads : omp_get_max_threads();
    if ((int64_t)nt > R)
        nt = R > 0 ? (int)R : 1;
#else
    (void)threads;
#endif
#pragma omp parallel num_threads(nt) reduction(| : failed)
    {
        double *buf = malloc((per_thread > 0 ? per_thread : 1) * sizeof(double));
        if (!buf)
            failed = 1;
#pragma omp for schedule(dynamic, 1)
        for (int64_t r = 0; r < R; r++) {
            if (!buf)
                continue;
            run_replica(c, r, R, j0, j1, substeps, dt, noise, q + r * N, i + r * nL, K, record, out_v, out_i, buf);
        }
        free(buf);
    }
    return failed ? -1 : 0;
}
