/* SONQ C kernels: the emulator macromodels of docs/architecture.md, many replicas per call.
 *
 * Shapes (C order, float64): state (R, m); draws (k1−k0, R, m), or NULL to draw from the
 * counter-based generator under `key`; couplings CSR (indptr m+1, indices nnz, data nnz), device
 * units; temperature and shil (steps,), indexed by absolute step k.  cell: 0 = oim phase model,
 * 1 = overdamped Langevin (gauss).  threads ≤ 0: OpenMP's default team size. */
void sonq_sde(int cell, int heun, int64_t R, int64_t m, int64_t k0, int64_t k1, double *state,
              const double *draws, uint64_t key, const int64_t *indptr, const int32_t *indices,
              const double *data, const double *h, const double *poly, const double *temperature,
              const double *shil, double dt, int threads);

/* p-bit Gibbs sweeps k0..k1−1; order (m,) lists nodes by colour class, ascending within a class. */
void sonq_pbit(int64_t R, int64_t m, int64_t k0, int64_t k1, double *state, const double *draws,
               uint64_t key, const int64_t *indptr, const int32_t *indices, const double *data,
               const double *h, const int64_t *order, const double *temperature, int threads);

int sonq_openmp_threads(void);
