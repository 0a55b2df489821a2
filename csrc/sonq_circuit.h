/* SONQ circuit emulator kernel: the kick–drift–kick integrator of runtime/circuit/integrate.py
 * (the NumPy reference) for the equations of runtime/circuit/model.py,
 *   d(C(t)v)/dt = −G v − A_L i + A_V (g∘u − γ∘u³) + i_dc + B w,   u = A_Vᵀ v,
 *   L di/dt = A_Lᵀ v − R i + E w,
 * with the same arithmetic in the same order as the Numba engine (runtime/circuit/numba_kernel.py).
 *
 * SI units throughout: volts, amperes, coulombs, siemens, farads, henries, ohms, seconds.  Nodes
 * are numbered 0..N−1 (netlist node k+1); a terminal −1 is ground.  Every branch k with terminals
 * (a, b) carries its current from a to b, so it leaves node a and enters node b.  Arrays are C
 * order, float64 unless int64_t.  Noise currents are linear in time between samples (ngspice's
 * filesource). */

/* The circuit: its equations as flat arrays (shapes in brackets). */
typedef struct {
    int64_t N, nL, nV, S;        /* nodes, inductors, van der Pol elements, noise sources */
    const int64_t *indptr;       /* G [N+1]: conductances and transconductances (siemens), CSR */
    const int64_t *indices;      /* G [nnz] */
    const double *data;          /* G [nnz] */
    const int64_t *la, *lb;      /* inductor terminals [nL] */
    const double *L, *Rl;        /* inductances (henries) and their series resistances (ohms) [nL] */
    const int64_t *va, *vb;      /* van der Pol terminals [nV]: g·u − γ·u³ (u = v_a − v_b) injected
                                    into a, drawn from b */
    const double *g, *gamma;     /* siemens, amperes per volt³ [nV] */
    const int64_t *na, *nb;      /* noise source terminals [S]: current w from b into a; both −1 for a
                                    source in series with an inductor */
    const int64_t *ns;           /* [S] the inductor whose series resistor source s is across (its
                                    EMF Rl·w aids the inductor's current), or −1 */
    const double *dc;            /* [N] constant currents injected into the nodes (amperes) */
    const double *c_diag;        /* [N] static capacitance to ground (farads) */
    const double *c_pump;        /* [N] pumped capacitance C0 to ground (farads): C0(1 + μ(t) cos ωt) */
    const double *c_inv;         /* [N, N] inverse static capacitance matrix (1/farads), read only when
                                    dense; then nothing is pumped */
    int dense;                   /* 1: v = c_inv q; 0: v = q / (c_diag + c_pump (1 + μ(t) cos ωt)) */
    int64_t P;                   /* ≥ 1 points of the pump depth */
    const double *depth;         /* [P, 2] (seconds, μ), times ascending; μ held outside them */
    double omega;                /* pump angular frequency (rad/s) */
} sonq_circuit;

/* Integrates R replicas over samples j0 → j1 (0 ≤ j0 ≤ j1 ≤ steps) of dt seconds, `substeps`
 * integration steps each, so that a run can be cut into calls (Python regains control between them).
 * noise [steps+1, R, S]: source currents at the sample times (amperes), the whole run's; q [R, N]:
 * node charges (coulombs) at sample j0, and i [R, nL]: inductor currents, both advanced in place to
 * sample j1.  record [K]: ascending sample indices in 0..steps; those in (j0, j1], and 0 when j0 = 0,
 * are recorded into their slots of out_v [K, R, N] (node voltages) and out_i [K, R, nL] (inductor
 * currents); an index not reached in order (repeated, descending) stops the recording there.
 * threads ≤ 0: OpenMP's default team size (replicas are split among threads).  Returns 0, or −1 when
 * out of memory. */
int sonq_circuit_run(const sonq_circuit *circuit, int64_t R, int64_t steps, int64_t j0, int64_t j1, int64_t substeps,
                     double dt, const double *noise, double *q, double *i, int64_t K, const int64_t *record,
                     double *out_v, double *out_i, int threads);
