#!/usr/bin/env bash
# Set up SONQ on a Debian machine: system packages (ngspice, a C compiler, Python headers and
# venv) through apt-get when missing, then a virtual environment in .venv with SONQ installed
# editable, its C extension built, and the dev + jax extras.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v ngspice >/dev/null 2>&1 || need+=(ngspice)
ldconfig -p 2>/dev/null | grep -q 'libngspice.so.0 ' || need+=(libngspice0)
ldconfig -p 2>/dev/null | grep -q 'libngspice.so ' || need+=(libngspice0-dev)
command -v cc >/dev/null 2>&1 || need+=(gcc libc6-dev)
command -v python3 >/dev/null 2>&1 || need+=(python3)
if command -v python3 >/dev/null 2>&1; then
  python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
  python3 -c 'import os, sysconfig; assert os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h"))' \
    >/dev/null 2>&1 || need+=(python3-dev)
fi
if ((${#need[@]})); then
  echo "setup: installing Debian packages: ${need[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

# --system-site-packages reuses scientific packages already installed for this Python.
[ -x .venv/bin/python ] || python3 -m venv --system-site-packages .venv
log=.venv/setup-pip.log
if ! { .venv/bin/python -m pip install -q --upgrade pip && .venv/bin/python -m pip install -q -e ".[dev,jax]"; } >"$log" 2>&1; then
  cat "$log"
  echo "setup: pip install failed (log above, also in $log)" >&2
  exit 1
fi
# The kpo/cim cross-checks need torch; install them only where a CPU build of torch is at hand
# (a wheel in PIP_FIND_LINKS): PyPI's default torch is a multi-GB CUDA build.  Without them those
# tests skip.
torch_wheel=""
for dir in ${PIP_FIND_LINKS:-}; do
  for whl in "$dir"/torch-2.13.0+cpu-*.whl; do [ -f "$whl" ] && torch_wheel="$whl"; done
done
if [ -n "$torch_wheel" ]; then
  if ! .venv/bin/python -m pip install -q -e ".[dev,jax,crosscheck]" >>"$log" 2>&1; then
    echo "setup: note: the crosscheck extra did not install (see $log); the kpo/cim cross-checks will skip" >&2
  fi
else
  echo "setup: note: no CPU torch wheel in PIP_FIND_LINKS; the kpo/cim cross-checks against their peers will skip" >&2
fi
c_status=$(.venv/bin/python -c 'import sdk; print(sdk.available_backends()["c"] or "ok")')
if [ "$c_status" != "ok" ]; then
  echo "setup: note: $c_status (the numba and numpy backends work without it)" >&2
fi
echo "setup: done ($(.venv/bin/python -c 'import sdk; print("sonq", sdk.__version__)'))"
