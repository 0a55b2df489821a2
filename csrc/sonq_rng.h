/* Counter-based random numbers: Philox4x32-10 (Salmon et al., SC'11) with a Box–Muller transform.
 *
 * A draw is a pure function of (run key, replica, step, node, stream), so results do not depend
 * on the number of threads, on how replicas are grouped into blocks, or on block boundaries.
 * Counter words: c0 = node pair, c1 = step, c2 = replica, c3 = stream (SONQ_STREAM_*).  The two
 * 53-bit integers a, b of a counter give its pair's two numbers (nodes 2·c0 and 2·c0 + 1):
 * uniforms 2a·2^-53 − 1 and 2b·2^-53 − 1 on [−1, 1), or normals √(−2 ln u)·(cos 2πv, sin 2πv) with
 * u = (a + ½)·2^-53, v = b·2^-53.
 *
 * The Philox rounds run on explicit vectors of eight counters (GCC vector extensions, 32 × 32 →
 * 64-bit products); the Box–Muller transform is written as plain loops that the compiler
 * vectorizes, with the vector math library (libmvec) for the log and polynomials for cos and sin
 * (sonq_cis).  Normals come in batches of SONQ_BATCH counters that differ in c0 and c2 (a lane
 * block's callers pick node pairs, replicas or both); every normal goes through the same
 * full-batch vector code, never a scalar remainder loop, so none changes in its last bit with the
 * batch it falls in.  (Uniforms are exact whatever the code path.) */
#ifndef SONQ_RNG_H
#define SONQ_RNG_H

#include <math.h>
#include <stdint.h>
#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

#define SONQ_STREAM_NORMAL 0u
#define SONQ_STREAM_UNIFORM 1u
#define SONQ_BATCH 16 /* counters per normals call: two vectors of eight */
#define SONQ_2POW_M53 1.1102230246251565404236316680908203125e-16 /* 2^-53 */

/* GCC notes that 64-byte vector arguments change the ABI on targets without AVX-512; the helpers
 * taking them are static inline, so no call crosses an ABI boundary.  (Ignored to the end of the
 * translation unit: GCC reports the note there.) */
#pragma GCC diagnostic ignored "-Wpsabi"

/* Eight Philox words, one per 64-bit lane, so a round's 32 × 32 → 64-bit products are single
 * vector instructions. */
typedef uint64_t sonq_u64x8 __attribute__((vector_size(64)));
typedef uint32_t sonq_u32x8 __attribute__((vector_size(32)));
typedef int64_t sonq_i64x8 __attribute__((vector_size(64)));
typedef double sonq_f64x8 __attribute__((vector_size(64)));

/* The Philox round's two lane operations, 32 × 32 → 64-bit product and high half.  AVX-512 does
 * each in one instruction on different ports: vpmuludq (port 0) and vpshufd (port 5), which moves
 * the high half down and leaves garbage above it.  The portable forms are exact too, but GCC 12
 * turns the product, even the widening (uint64_t)u32 · u32 of a plain loop, into the 64 × 64-bit
 * vpmullq (three µops), and the shift competes with the product for port 0.  Both ignore the
 * high halves of their operands. */
static inline sonq_u64x8 sonq_mul32(sonq_u64x8 x, uint32_t M) {
#if defined(__AVX512F__)
    return (sonq_u64x8)_mm512_mul_epu32((__m512i)x, _mm512_set1_epi64(M));
#elif defined(__AVX2__)
    __m256i half[2]; /* GCC scalarizes the portable form's 64-bit products without AVX-512 */
    __builtin_memcpy(half, &x, sizeof x);
    half[0] = _mm256_mul_epu32(half[0], _mm256_set1_epi64x(M));
    half[1] = _mm256_mul_epu32(half[1], _mm256_set1_epi64x(M));
    __builtin_memcpy(&x, half, sizeof x);
    return x;
#else
    return (x & 0xFFFFFFFFu) * M;
#endif
}

static inline sonq_u64x8 sonq_hi32(sonq_u64x8 p) {
#ifdef __AVX512F__
    return (sonq_u64x8)_mm512_shuffle_epi32((__m512i)p, _MM_PERM_CDAB);
#else
    return p >> 32;
#endif
}

/* Two 53-bit integers a[l], b[l] (as exact doubles) from Philox4x32-10 of the eight counters
 * (c0[l], c1, c2[l], c3) under a 64-bit key: the top 53 bits of output words (x1:x0) and (x3:x2).
 * Each lane carries its word in the low half; the high halves pick up garbage from the products,
 * which the next product ignores and the final mask drops. */
static inline void sonq_philox(const uint32_t *c0, uint32_t c1, const uint32_t *c2, uint32_t c3, uint64_t key,
                               double *a, double *b) {
    sonq_u32x8 w0, w2;
    __builtin_memcpy(&w0, c0, sizeof w0);
    __builtin_memcpy(&w2, c2, sizeof w2);
    sonq_u64x8 x0 = __builtin_convertvector(w0, sonq_u64x8), x1 = (sonq_u64x8){0} + c1,
               x2 = __builtin_convertvector(w2, sonq_u64x8), x3 = (sonq_u64x8){0} + c3;
    uint32_t k0 = (uint32_t)key, k1 = (uint32_t)(key >> 32);
#pragma GCC unroll 10
    for (int round = 0; round < 10; round++) {
        const sonq_u64x8 p0 = sonq_mul32(x0, 0xD2511F53u), p1 = sonq_mul32(x2, 0xCD9E8D57u);
        x0 = sonq_hi32(p1) ^ x1 ^ k0;
        x2 = sonq_hi32(p0) ^ x3 ^ k1;
        x1 = p1;
        x3 = p0;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    const sonq_u64x8 lo = (sonq_u64x8){0} + 0xFFFFFFFFu;
    /* Below 2^32, so the signed conversion (AVX-512DQ's vcvtqq2pd) is exact. */
    const sonq_f64x8 va = __builtin_convertvector((sonq_i64x8)(x1 & lo), sonq_f64x8) * 2097152.0 + /* 2^21 */
                          __builtin_convertvector((sonq_i64x8)((x0 & lo) >> 11), sonq_f64x8);
    const sonq_f64x8 vb = __builtin_convertvector((sonq_i64x8)(x3 & lo), sonq_f64x8) * 2097152.0 +
                          __builtin_convertvector((sonq_i64x8)((x2 & lo) >> 11), sonq_f64x8);
    __builtin_memcpy(a, &va, sizeof va);
    __builtin_memcpy(b, &vb, sizeof vb);
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
    double a[SONQ_BATCH], b[SONQ_BATCH];
    for (int j = 0; j < SONQ_BATCH; j += 8) sonq_philox(c0 + j, step, c2 + j, SONQ_STREAM_NORMAL, key, a + j, b + j);
    for (int j = 0; j < SONQ_BATCH; j++) {
        double c, s;
        const double rad = sqrt(-2.0 * log((a[j] + 0.5) * SONQ_2POW_M53)); /* (0, 1): the log stays finite */
        sonq_cis(b[j], &c, &s);
        n0[j] = rad * c;
        n1[j] = rad * s;
    }
}

/* Uniforms on [−1, 1) out[i] for (key, replica, sweep); out has room for n rounded up to even. */
static inline void sonq_uniforms(uint64_t key, uint32_t replica, uint32_t step, int64_t n, double *out) {
    const int64_t pairs = (n + 1) / 2;
    for (int64_t p = 0; p < pairs; p += 8) {
        uint32_t c0[8], c2[8];
        double a[8], b[8];
        for (int l = 0; l < 8; l++) {
            c0[l] = (uint32_t)(p + l);
            c2[l] = replica;
        }
        sonq_philox(c0, step, c2, SONQ_STREAM_UNIFORM, key, a, b);
        for (int l = 0; l < 8 && p + l < pairs; l++) {
            out[2 * (p + l)] = 2.0 * a[l] * SONQ_2POW_M53 - 1.0;
            out[2 * (p + l) + 1] = 2.0 * b[l] * SONQ_2POW_M53 - 1.0;
        }
    }
}

#endif
