"""Memory a run will hold, estimated before it starts, and the budget it must fit.

The budget is :data:`BUDGET_FRACTION` of the memory available now (``MemAvailable`` on Linux), or
``SONQ_MAX_MEMORY`` bytes from the environment, or what ``run(..., max_memory=...)`` says.
"""

from __future__ import annotations

import os

from runtime.errors import MemoryBudgetError, RunError

BUDGET_FRACTION = 0.5
NOISE_BLOCK_BYTES = 8 << 22  # the driver's largest pre-drawn noise block (runtime.backends.base)


def available_memory() -> int:
    """Bytes of memory available to new allocations now."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def memory_budget(max_memory: int | None = None) -> int:
    """The budget in bytes: ``max_memory``, else ``SONQ_MAX_MEMORY``, else a fraction of what is
    available."""
    if max_memory is None:
        env = os.environ.get("SONQ_MAX_MEMORY")
        if env is None:
            return int(BUDGET_FRACTION * available_memory())
        try:
            max_memory = int(env)
        except ValueError:
            raise RunError(f"SONQ_MAX_MEMORY must be a number of bytes, got {env!r}") from None
    if isinstance(max_memory, bool) or not isinstance(max_memory, int) or max_memory < 1:
        raise RunError(f"max_memory must be a positive number of bytes, got {max_memory!r}")
    return max_memory


def run_bytes(*, steps: int, replicas: int, state_width: int, variables: int, schedules: int,
              record_every: int, pooled: bool, block_steps: int | None = None) -> dict[str, int]:
    """Bytes a run holds, by part: one block's schedule values (the kernels get each block's,
    evaluated when it runs: ``block_steps`` steps at most, default the whole run), the state, the
    recorded states (raw, decoded and energies; once more when pooled into samples) and one noise
    block."""
    records = steps // record_every if record_every else 0
    per_record = replicas * (8 * state_width + 8 * variables + 8)
    window = steps if block_steps is None else min(steps, block_steps)
    return {"schedules": 8 * window * schedules, "state": 8 * replicas * state_width,
            "trajectory": records * per_record * (2 if pooled else 1),
            "noise": min(NOISE_BLOCK_BYTES, 8 * steps * replicas * state_width)}


def check_budget(parts: dict[str, int], budget: int) -> None:
    """Raise :class:`MemoryBudgetError` naming the largest part and the argument that sets it."""
    total = sum(parts.values())
    if total <= budget:
        return
    worst = max(parts, key=parts.get)
    knob = {"schedules": "steps", "state": "num_reads", "trajectory": "record_every (or steps, num_reads)",
            "noise": "num_reads"}[worst]
    raise MemoryBudgetError(
        f"the run would hold {_gib(total)} (largest: {worst} {_gib(parts[worst])}), over its budget of "
        f"{_gib(budget)}; change {knob}, or raise the budget with max_memory= or SONQ_MAX_MEMORY")


def _gib(n: int) -> str:
    return f"{n / 2**30:.3g} GiB"
