"""SampleSet files: save and load round-trip exactly, writes are atomic, tampered files are refused."""

import io
import json
import zipfile

import numpy as np
import pytest

import sdk


@pytest.fixture(scope="module")
def result():
    model = sdk.read_gset(sdk.datasets.instance_path("mc50_n20_1"))
    return sdk.run(sdk.compile(model, "pbit256"), "numpy", num_reads=4, steps=20, seed=1, record_every=5)


def test_round_trip_is_exact(result, tmp_path):
    back = sdk.SampleSet.load(result.save(tmp_path / "r.npz"))
    for name in ("samples", "energies", "replica", "step"):
        np.testing.assert_array_equal(getattr(back, name), getattr(result, name))
    for name in ("steps", "times", "energies", "states", "raw"):
        np.testing.assert_array_equal(getattr(back.trajectory, name), getattr(result.trajectory, name))
    assert back.labels == result.labels and back.vartype == result.vartype and back.info == result.info
    assert back.cut_values.max() == result.cut_values.max()


def test_real_samples_without_trajectory(tmp_path):
    res = sdk.run(sdk.compile(sdk.GaussianModel(np.eye(2)), "gauss8"), "numpy", num_reads=3, steps=10, seed=0)
    back = sdk.SampleSet.load(res.save(tmp_path / "g.npz"))
    assert back.trajectory is None and back.vartype == "REAL"
    np.testing.assert_array_equal(back.samples, res.samples)


def test_a_failed_write_keeps_the_previous_file(result, tmp_path, monkeypatch):
    path = result.save(tmp_path / "r.npz")
    before = path.read_bytes()

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez_compressed", broken)
    with pytest.raises(OSError):
        result.save(path)
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["r.npz"]


def _tamper(src, dst, **changes):
    with zipfile.ZipFile(src) as z:
        members = {n: z.read(n) for n in z.namelist()}
    for name, data in changes.items():
        members[name] = data
    with zipfile.ZipFile(dst, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)


def test_tampered_files_are_refused(result, tmp_path):
    path = result.save(tmp_path / "r.npz")
    with zipfile.ZipFile(path) as z:
        header = json.loads(str(np.lib.format.read_array(z.open("header.npy"))))
    for key, value in (("format", "other"), ("version", 2), ("vartype", "QUBIT"), ("labels", [0, 1])):
        bad = dict(header, **{key: value})
        out = tmp_path / f"bad_{key}.npz"
        buf = io.BytesIO()
        np.lib.format.write_array(buf, np.array(json.dumps(bad)))
        _tamper(path, out, **{"header.npy": buf.getvalue()})
        with pytest.raises(sdk.ResultFileError):
            sdk.SampleSet.load(out)
    short = tmp_path / "short.npz"
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.zeros(1))
    _tamper(path, short, **{"energies.npy": buf.getvalue()})
    with pytest.raises(sdk.ResultFileError, match="shapes"):
        sdk.SampleSet.load(short)
    with pytest.raises(sdk.ResultFileError):
        sdk.SampleSet.load(tmp_path / "missing.npz")
