/* Counter-based random numbers: Philox4x32-10 (Salmon et al., SC'11) with a Box–Muller transform.
 *
 * A draw is a pure function of (run key, replica, step, node, stream), so results do not depend
 * on the number of threads, on how replicas are grouped into blocks, or on block boundaries.
 * Counter words: c0 = node pair, c1 = step, c2 = replica, c3 = stream (SONQ_STREAM_*).  The two
 * 53-bit integers a, b of a counter give its pair's two numbers (nodes 2·c0 and 2·c0 + 1):
 * uniforms 2a·2^-53 − 1 and 2b·2^-53 − 1 on [−1, 1), or normals √(−2 ln u)·(cos 2πv, sin 2πv) with
 * u = (a + ½)·2^-53, v = b·2^-53.
 *
 * Everything is written as plain loops over counters that the compiler vectorizes: 32 × 32 →
 * 64-bit products for the Philox rounds, the vector math library (libmvec) for the log, and
 * polynomials for cos and sin (sonq_cis).  Normals come in batches of SONQ_BATCH counters that
 * differ in c0 and c2 (a lane block's callers pick node pairs, replicas or both); every normal goes
 * through the same full-batch vector code, never a scalar remainder loop, so none changes in its
 * last bit with the batch it falls in.  (Uniforms are exact whatever the code path.) */
#ifndef SONQ_RNG_H
#define SONQ_RNG_H

#include <math.h>
#include <stdint.h>

#define SONQ_STREAM_NORMAL 0u
#define SONQ_STREAM_UNIFORM 1u
#define SONQ_BATCH 16 /* counters per normals call: one AVX-512 vector of 32-bit counter words */
#define SONQ_2POW_M53 1.1102230246251565404236316680908203125e-16 /* 2^-53 */

/* Two 53-bit integers *a, *b (as exact doubles: 32-bit halves convert in SIMD where 64-bit
 * integers may not) from Philox4x32-10 of counter (c0, c1, c2, c3) under a 64-bit key: the top
 * 53 bits of output words (x1:x0) and (x3:x2).  Inlined into loops over counters, which the
 * compiler vectorizes (32 × 32 → 64-bit products). */
static inline void sonq_philox(uint32_t x0, uint32_t x1, uint32_t x2, uint32_t x3, uint64_t key, double *a,
                               double *b) {
    uint32_t k0 = (uint32_t)key, k1 = (uint32_t)(key >> 32);
#pragma GCC unroll 10
    for (int round = 0; round < 10; round++) {
        const uint64_t p0 = (uint64_t)0xD2511F53u * x0, p1 = (uint64_t)0xCD9E8D57u * x2;
        const uint32_t n0 = (uint32_t)(p1 >> 32) ^ x1 ^ k0, n2 = (uint32_t)(p0 >> 32) ^ x3 ^ k1;
        x1 = (uint32_t)p1;
        x3 = (uint32_t)p0;
        x0 = n0;
        x2 = n2;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    *a = (double)x1 * 2097152.0 + (double)(x0 >> 11); /* 2^21 */
    *b = (double)x3 * 2097152.0 + (double)(x2 >> 11);
}

/* (cos 2πu, sin 2πu) for u = b·2^-53, b a 53-bit integer: the top two bits pick the quadrant,
 * Taylor polynomials (to φ^20 and φ^21, truncation < 2e-17) give cos φ and sin φ of the angle
 * φ ∈ [0, π/2) within it.  Written out rather than calling cos and sin, which GCC fuses into a
 * scalar sincos call that it does not vectorize. */
static inline void sonq_cis(double b, double *c, double *s) {
    const double q = floor(b * 4.440892098500626e-16), f = b * 4.440892098500626e-16 - q; /* 2^-51 */
    const double phi = 1.5707963267948966 * f, z = phi * phi;
    double pc = 1.0 / 2432902008176640000.0, ps = 1.0 / 51090942171709440000.0; /* 1/20!, 1/21! */
    static const double inv_fact[20] = {1.0, 1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040,
                                        1.0 / 40320, 1.0 / 362880, 1.0 / 3628800, 1.0 / 39916800,
                                        1.0 / 479001600, 1.0 / 6227020800, 1.0 / 87178291200,
                                        1.0 / 1307674368000, 1.0 / 20922789888000, 1.0 / 355687428096000,
                                        1.0 / 6402373705728000, 1.0 / 121645100408832000};
#pragma GCC unroll 10
    for (int n = 9; n >= 0; n--) {
        pc = inv_fact[2 * n] - z * pc;
        ps = inv_fact[2 * n + 1] - z * ps;
    }
    ps *= phi;
    /* θ = qπ/2 + φ: quadrants 1 and 3 swap cos and sin, 2 and 3 negate both. */
    const double half = floor(0.5 * q), odd = q - 2.0 * half, sign = half != 0.0 ? -1.0 : 1.0;
    *c = sign * (odd != 0.0 ? -ps : pc);
    *s = sign * (odd != 0.0 ? pc : ps);
}

/* Standard normals of counters (c0[j], step, c2[j]), j < SONQ_BATCH: n0[j] for node 2·c0[j],
 * n1[j] for node 2·c0[j] + 1. */
static inline void sonq_normals(uint64_t key, const uint32_t *c0, uint32_t step, const uint32_t *c2, double *n0,
                                double *n1) {
    for (int j = 0; j < SONQ_BATCH; j++) {
        double a, b, c, s;
        sonq_philox(c0[j], step, c2[j], SONQ_STREAM_NORMAL, key, &a, &b);
        const double rad = sqrt(-2.0 * log((a + 0.5) * SONQ_2POW_M53)); /* (0, 1): the log stays finite */
        sonq_cis(b, &c, &s);
        n0[j] = rad * c;
        n1[j] = rad * s;
    }
}

/* Uniforms on [−1, 1) out[i] for (key, replica, sweep); out has room for n rounded up to even. */
static inline void sonq_uniforms(uint64_t key, uint32_t replica, uint32_t step, int64_t n, double *out) {
    for (int64_t p = 0; p < (n + 1) / 2; p++) {
        double a, b;
        sonq_philox((uint32_t)p, step, replica, SONQ_STREAM_UNIFORM, key, &a, &b);
        out[2 * p] = 2.0 * a * SONQ_2POW_M53 - 1.0;
        out[2 * p + 1] = 2.0 * b * SONQ_2POW_M53 - 1.0;
    }
}

#endif
