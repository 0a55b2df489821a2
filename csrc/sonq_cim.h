/* SONQ C kernel of the coherent Ising machine cell (cim): AHC and CAC steps of docs/cim.md, many
 * replicas per call.
 *
 * Shapes (C order, float64): state (R, 3m), amplitudes x at columns 0..m−1, error variables e at
 * m..2m−1, the best spins seen (±1) at 2m..3m−1, advanced in place; draws (k1−k0, R, m), or NULL to draw from the counter-based generator
 * under `key`; couplings dense (m × m, row-major) or NULL to read CSR (indptr m+1, indices nnz,
 * data nnz), device units; temperature (steps,) and params (10, steps): pump, ahc_epsilon,
 * ahc_beta, ahc_target, cac_epsilon, cac_alpha, cac_gamma, cac_rho, cac_delta, cac_tau, the
 * block's values (steps = k1 − k0), step k's at k − k0 (CAC's clock t_c keeps absolute steps); aux (4, R): CAC's a, β, H_opt, t_c per replica, advanced in place.  rule: 0 =
 * ahc, 1 = cac; single: 1 to work in float (the state converted at the call's ends), 0 in double.
 * clamp: (m,) 1 for a held node (amplitude, error variable and register kept), or NULL.
 * threads ≤ 0: OpenMP's default team size. */
void sonq_cim(int rule, int single, int64_t R, int64_t m, int64_t k0, int64_t k1, int64_t steps, double *state,
              const double *draws, uint64_t key, const double *dense, const int64_t *indptr,
              const int32_t *indices, const double *data, const double *temperature, const double *params,
              double *aux, double dt, const uint8_t *clamp, int threads);
