/* SONQ kpo kernels: Kerr parametric oscillators / simulated bifurcation (device_models/cells/kpo.py).
 *
 * Shapes (C order): state (R, 2m) float64, x of node i at column i and y at column m + i; draws
 * (k1−k0, R, m) float64 normals, or NULL to draw from the counter-based generator under `key`;
 * couplings CSR (indptr m+1, indices nnz, data nnz), device units; h (m,); detune (k1−k0,) =
 * (a_k − a₀)·dt and amp (k1−k0,) = √(2T_k dt), the block's, step k's at k − k0; drift = a₀·dt, gain =
 * −c₀·dt.  rule: 0 ballistic, 1 discrete, 2 adiabatic.  single: work in float32 (the packed dense
 * couplings then hold floats).  clamp: (m,) 1 for a held node (x kept, y set to 0), or NULL.
 * threads ≤ 0: OpenMP's default team size. */

/* Elements of the packed dense couplings of an m-node program with nnz couplings (row panels, m·m
 * plus padding), or 0 when the matrix is too sparse for the dense product to pay off (nnz < m²/4). */
int64_t sonq_kpo_dense_size(int64_t m, int64_t nnz);

/* Packs CSR couplings into the row panels of dense (sonq_kpo_dense_size elements, float32 when single). */
void sonq_kpo_pack_dense(int64_t m, const int64_t *indptr, const int32_t *indices, const double *data, int single,
                         void *dense);

/* Steps k0..k1−1; dense: the packed couplings (then the CSR arrays are not read), or NULL. */
void sonq_kpo(int rule, int single, int64_t R, int64_t m, int64_t k0, int64_t k1, double *state,
              const double *draws, uint64_t key, const int64_t *indptr, const int32_t *indices,
              const double *data, const void *dense, const double *h, const double *detune, const double *amp,
              double drift, double gain, double dt, const uint8_t *clamp, int threads);
