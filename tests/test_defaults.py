"""The default run of every optimising cell (``sdk.run(program)``: the cell's ``"optimize"``
preset) reaches the best known cut of 100-node MaxCut instances with no tuning."""

import pytest

import sdk
from device_models.cells import CELLS

# Best known cuts: mc50_n100_1's ground energy is listed with the cim-optimizer instance set;
# random_n100's 345 is the best found by any SONQ solver (a 20,000-sweep p-bit anneal reaches it
# in 75% of 64 reads).
INSTANCES = {"mc50_n100_1": 1438, "random_n100": 345}


def _optimising_chips() -> list[tuple[str, str]]:
    """(cell, chip) for every spin cell with an all-to-all shipped chip (the smallest)."""
    chips = sorted((d for d in sdk.list_devices() if d.topology.kind == "all_to_all"), key=lambda d: d.cells)
    out = []
    for name, cell in CELLS.items():
        if cell.domain == "spin":
            chip = next((d.name for d in chips if d.cell == cell and d.cells >= 100), None)
            if chip:
                out.append((name, chip))
    return out


@pytest.mark.parametrize("instance", sorted(INSTANCES))
@pytest.mark.parametrize("cell, chip", _optimising_chips())
def test_default_run_reaches_the_best_known_cut(cell, chip, instance):
    program = sdk.compile(sdk.read_gset(sdk.datasets.instance_path(instance)), chip)
    result = sdk.run(program, seed=0)
    assert result.info["protocol"] == "optimize"
    assert result.cut_values.max() == INSTANCES[instance], (
        f"{cell} default run: best cut {result.cut_values.max():g} of {INSTANCES[instance]} "
        f"({result.info['steps']} steps, {result.info['integrator']})")


def test_a_temperature_selects_sampling():
    program = sdk.compile(sdk.read_gset(sdk.datasets.instance_path("mc50_n20_1")), "oim1024")
    result = sdk.run(program, "numpy", num_reads=2, steps=10, temperature=0.1, seed=0)
    assert result.info["protocol"] == "sample" and result.info["integrator"] == "heun"
    assert result.info["temperature_start"] == pytest.approx(0.1)
