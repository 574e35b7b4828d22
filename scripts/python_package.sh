#!/usr/bin/env bash
# Builds the sluice Python package (python/) over the library of build directory $1 and
# installs it into .venv, or with "wheel" as $2 builds a wheel into $1/wheels instead.
# The library is first installed into $1/install, where the package's CMake finds it.
set -euo pipefail
cd "$(dirname "$0")/.."
build=$(realpath -m "${1:-build}")
what=${2:-install}
cmake --install "$build" --prefix "$build/install" >/dev/null
settings=(
  --config-settings=cmake.define.Sluice_DIR="$build/install/lib/cmake/Sluice"
  --config-settings=build-dir="$build/python"
)
pip=(.venv/bin/pip --disable-pip-version-check -q)
if [ "$what" = wheel ]; then
  "${pip[@]}" wheel --no-build-isolation --no-deps "${settings[@]}" -w "$build/wheels" ./python
  ls "$build"/wheels/sluice-*.whl
else
  "${pip[@]}" install --no-build-isolation --no-deps --force-reinstall "${settings[@]}" ./python
fi
