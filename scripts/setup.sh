#!/usr/bin/env bash
# Installs everything a fresh machine needs to build and test Sluice. Idempotent: a second
# run only checks. Versions come from deps/ (apt.txt, python.txt) and nowhere else.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=$(grep -v '^#' deps/apt.txt | xargs)
missing=()
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$python" -m venv .venv
fi
stamp=.venv/.deps-installed
if [ ! -f "$stamp" ] || ! cmp -s deps/python.txt "$stamp"; then
  echo "setup: installing Python packages from deps/python.txt"
  .venv/bin/pip install -q --disable-pip-version-check -r deps/python.txt
  # The wheel ships versioned .so files only; the linker needs the unversioned names.
  .venv/bin/python -c "import pyarrow; pyarrow.create_library_symlinks()"
  cp deps/python.txt "$stamp"
fi

# A virtualenv of its own for packages that cannot share .venv: side_venv DIR LIST.
side_venv() {
  local dir=$1 list=$2
  local stamp=$dir/.deps-installed
  if [ ! -f "$stamp" ] || ! cmp -s "$list" "$stamp"; then
    echo "setup: installing $list into $dir"
    [ -x "$dir/bin/python" ] || "$python" -m venv "$dir"
    "$dir/bin/pip" install -q --disable-pip-version-check -r "$list"
    cp "$list" "$stamp"
  fi
}
# Sail, and DuckDB's TPC-H generator (see the lists for why each stands apart).
side_venv .venv-sail deps/python-sail.txt
side_venv .venv-tpch deps/python-tpch.txt

# The Delta Lake jars for the Spark tests, resolved once by Spark's own resolver into
# .spark-ivy (the test server then starts without downloading).
stamp=.spark-ivy/.deps-resolved
if [ ! -f "$stamp" ] || ! cmp -s deps/maven.txt "$stamp"; then
  echo "setup: resolving deps/maven.txt into .spark-ivy"
  spark_home=$(.venv/bin/python -c "import os, pyspark; print(os.path.dirname(pyspark.__file__))")
  packages=$(grep -v '^#' deps/maven.txt | paste -sd, -)
  empty=$(mktemp --suffix=.py)
  SPARK_HOME="$spark_home" "$spark_home/bin/spark-submit" --master 'local[1]' \
    --conf spark.jars.ivy="$PWD/.spark-ivy" --packages "$packages" "$empty" >/dev/null 2>&1
  rm -f "$empty"
  cp deps/maven.txt "$stamp"
fi
