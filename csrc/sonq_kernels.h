/* SONQ C kernels: the emulator macromodels of docs/architecture.md, many replicas per call.
 *
 * Shapes (C order, float64): state (R, m); draws (k1−k0, R, m), or NULL to draw from the
 * counter-based generator under `key`; couplings CSR (indptr m+1, indices nnz, data nnz), device
 * units; temperature and shil (steps,), indexed by absolute step k.  cell: 0 = oim phase model,
 * 1 = overdamped Langevin (gauss).  threads ≤ 0: OpenMP's default team size. */

/* Rows per panel of a packed dense coupling matrix. */
#define SONQ_PANEL 24

/* Doubles of the packed form of an m × m coupling matrix with nnz entries, or 0 when it is too
 * sparse for the dense path to pay off. */
int64_t sonq_dense_size(int64_t m, int64_t nnz);

/* Packs CSR couplings into dense (sonq_dense_size doubles): row panels of SONQ_PANEL rows (the
 * last one zero-padded), each stored k-major, dense[(b·m + k)·SONQ_PANEL + r] = J[b·SONQ_PANEL + r, k]. */
void sonq_pack_dense(int64_t m, const int64_t *indptr, const int32_t *indices, const double *data, double *dense);

/* SDE steps k0..k1−1; dense: the packed couplings (then the CSR arrays are not read), or NULL. */
void sonq_sde(int cell, int heun, int64_t R, int64_t m, int64_t k0, int64_t k1, double *state,
              const double *draws, uint64_t key, const int64_t *indptr, const int32_t *indices,
              const double *data, const double *dense, const double *h, const double *poly,
              const double *temperature, const double *shil, double dt, int threads);

/* p-bit Gibbs sweeps k0..k1−1; order (m,) lists nodes by colour class, ascending within a class. */
void sonq_pbit(int64_t R, int64_t m, int64_t k0, int64_t k1, double *state, const double *draws,
               uint64_t key, const int64_t *indptr, const int32_t *indices, const double *data,
               const double *h, const int64_t *order, const double *temperature, int threads);

/* n standard normals of the generator, out[i] = the kick draw of node i, replica `replica`, step
 * `step` under `key` (what sonq_sde's kicks use, before their √(2T dt) factor): for tests of the
 * generator and the benchmark's generator ceiling. */
void sonq_normals_fill(uint64_t key, uint32_t step, uint32_t replica, int64_t n, double *out, int threads);

int sonq_openmp_threads(void);
