/* SONQ C kernels: the emulator macromodels of docs/architecture.md, many replicas per call.
 *
 * Shapes (C order, float64): state (R, m); draws (k1−k0, R, m), or NULL to draw from the
 * counter-based generator under `key`; couplings CSR (indptr m+1, indices nnz, data nnz), device
 * units; temperature and shil: the block's values (at least k1−k0), step k's at k − k0 (the
 * generator's counters keep the absolute step k).  cell: 0 = oim
 * phase model, 1 = overdamped Langevin (gauss).  clamp (m,): 1 for a node held at its state (a
 * p-bit sweep skips it, an SDE step gives it no drift and no kick), or NULL (clamp_len 0).
 * tscale (R,): each replica's multiplier of the temperature (replica exchange), or NULL (tscale_len 0).
 * threads ≤ 0: OpenMP's default team size.
 *
 * Every array comes with its length (entries), and the kernels check lengths, CSR structure
 * (indptr from 0, never decreasing, indptr[m] = nnz) and index ranges (indices, order) before
 * they touch memory.  They return SONQ_OK, SONQ_EINVAL with a sentence in err (SONQ_ERR_LEN bytes,
 * or NULL) naming the problem, or SONQ_ENOMEM. */

/* Rows per panel of a packed dense coupling matrix. */
#define SONQ_PANEL 24
/* Return codes, and the room an err buffer needs. */
#define SONQ_OK 0
#define SONQ_EINVAL 1
#define SONQ_ENOMEM 2
#define SONQ_ERR_LEN 256

/* Doubles of the packed form of an m × m coupling matrix with nnz entries, or 0 when it is too
 * sparse for the dense path to pay off. */
int64_t sonq_dense_size(int64_t m, int64_t nnz);

/* Packs CSR couplings into dense (sonq_dense_size doubles): row panels of SONQ_PANEL rows (the
 * last one zero-padded), each stored k-major, dense[(b·m + k)·SONQ_PANEL + r] = J[b·SONQ_PANEL + r, k]. */
int sonq_pack_dense(int64_t m, const int64_t *indptr, int64_t indptr_len, const int32_t *indices,
                    int64_t indices_len, const double *data, int64_t data_len, double *dense, int64_t dense_len,
                    char *err);

/* SDE steps k0..k1−1; dense: the packed couplings (then the CSR arrays are only checked), or NULL
 * (dense_len 0); draws_len: (k1−k0)·R·m, or anything with draws NULL; poly (m, 3). */
int sonq_sde(int cell, int heun, int64_t R, int64_t m, int64_t k0, int64_t k1, double *state, int64_t state_len,
             const double *draws, int64_t draws_len, uint64_t key, const int64_t *indptr, int64_t indptr_len,
             const int32_t *indices, int64_t indices_len, const double *data, int64_t data_len, const double *dense,
             int64_t dense_len, const double *h, int64_t h_len, const double *poly, int64_t poly_len,
             const double *temperature, int64_t temperature_len, const double *shil, int64_t shil_len, double dt,
             const uint8_t *clamp, int64_t clamp_len, const double *tscale, int64_t tscale_len, int threads,
             char *err);

/* p-bit Gibbs sweeps k0..k1−1; order (m,) lists nodes by colour class, ascending within a class
 * (a permutation of the nodes).  Streamed moments (runtime/moments.py; none with mom_nodes_len =
 * mom_edges_len = 0): after each sweep k with k + 1 > mom_burn, replica r adds its spin of node
 * mom_nodes[j] to mom_first[r·a + j] (a = mom_nodes_len) and the product of the spins of nodes
 * mom_edges[2e], mom_edges[2e + 1] to mom_second[r·E + e] (E = mom_edges_len/2). */
int sonq_pbit(int64_t R, int64_t m, int64_t k0, int64_t k1, double *state, int64_t state_len, const double *draws,
              int64_t draws_len, uint64_t key, const int64_t *indptr, int64_t indptr_len, const int32_t *indices,
              int64_t indices_len, const double *data, int64_t data_len, const double *h, int64_t h_len,
              const int64_t *order, int64_t order_len, const double *temperature, int64_t temperature_len,
              const uint8_t *clamp, int64_t clamp_len, const double *tscale, int64_t tscale_len,
              const int64_t *mom_nodes, int64_t mom_nodes_len, const int64_t *mom_edges, int64_t mom_edges_len,
              double *mom_first, int64_t mom_first_len, double *mom_second, int64_t mom_second_len, int64_t mom_burn,
              int threads, char *err);

/* n standard normals of the generator, out[i] = the kick draw of node i, replica `replica`, step
 * `step` under `key` (what sonq_sde's kicks use, before their √(2T dt) factor): for tests of the
 * generator and the benchmark's generator ceiling. */
void sonq_normals_fill(uint64_t key, uint32_t step, uint32_t replica, int64_t n, double *out, int threads);

int sonq_openmp_threads(void);

/* The lane·couplings a colour class of a p-bit sweep needs before a team splits it (default
 * SONQ_MIN_SEGMENT); value ≥ 0 sets it (tests force the split with 0), returns the previous one. */
int64_t sonq_pbit_min_segment(int64_t value);

/* CPU seconds the process spent during a `seconds` sleep that follows a parallel region of two
 * threads: about 0 when idle OpenMP threads wait passively (OMP_WAIT_POLICY=passive took effect),
 * up to the spin time when they spin. */
double sonq_idle_spin(double seconds);
