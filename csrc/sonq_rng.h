/* Counter-based random numbers: Philox4x32-10 (Salmon et al., SC'11) with a Box–Muller transform.
 *
 * A draw is a pure function of (run key, replica, step, node, stream), so results do not depend
 * on the number of threads, on how replicas are grouped into blocks, or on block boundaries, and
 * loops over nodes vectorize.  Counter words: c0 = node pair, c1 = step, c2 = replica,
 * c3 = stream (SONQ_STREAM_*). */
#ifndef SONQ_RNG_H
#define SONQ_RNG_H

#include <math.h>
#include <stdint.h>

#define SONQ_STREAM_NORMAL 0u
#define SONQ_STREAM_UNIFORM 1u
#define SONQ_TWO_PI 6.283185307179586476925286766559
#define SONQ_2POW_M53 1.1102230246251565404236316680908203125e-16 /* 2^-53 */

/* Two 53-bit integers from Philox4x32-10 of counter (c0, c1, c2, c3) under a 64-bit key. */
static inline void sonq_philox(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint64_t key,
                               uint64_t *a, uint64_t *b) {
    uint32_t k0 = (uint32_t)key, k1 = (uint32_t)(key >> 32);
    for (int round = 0; round < 10; round++) {
        const uint64_t p0 = (uint64_t)0xD2511F53u * c0, p1 = (uint64_t)0xCD9E8D57u * c2;
        const uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0, n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
        c1 = (uint32_t)p1;
        c3 = (uint32_t)p0;
        c0 = n0;
        c2 = n2;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    *a = (((uint64_t)c1 << 32) | c0) >> 11;
    *b = (((uint64_t)c3 << 32) | c2) >> 11;
}

/* Standard normals of nodes 2·p0 .. 2·(p0+pairs)−1 → out[0 .. 2·pairs−1], for (key, replica, step). */
static inline void sonq_normals(uint64_t key, uint32_t replica, uint32_t step, int64_t p0, int64_t pairs,
                                double *out) {
    for (int64_t p = 0; p < pairs; p++) {
        uint64_t a, b;
        sonq_philox((uint32_t)(p0 + p), step, replica, SONQ_STREAM_NORMAL, key, &a, &b);
        const double u1 = ((double)a + 0.5) * SONQ_2POW_M53; /* (0, 1): the log stays finite */
        const double rad = sqrt(-2.0 * log(u1)), theta = SONQ_TWO_PI * (double)b * SONQ_2POW_M53;
        out[2 * p] = rad * cos(theta);
        out[2 * p + 1] = rad * sin(theta);
    }
}

/* Uniforms on [−1, 1) out[i] for (key, replica, sweep); out has room for n rounded up to even. */
static inline void sonq_uniforms(uint64_t key, uint32_t replica, uint32_t step, int64_t n, double *out) {
    for (int64_t p = 0; p < (n + 1) / 2; p++) {
        uint64_t a, b;
        sonq_philox((uint32_t)p, step, replica, SONQ_STREAM_UNIFORM, key, &a, &b);
        out[2 * p] = 2.0 * (double)a * SONQ_2POW_M53 - 1.0;
        out[2 * p + 1] = 2.0 * (double)b * SONQ_2POW_M53 - 1.0;
    }
}

#endif
