#!/usr/bin/env bash
# Create (idempotently) one virtualenv per interop environment:
#   ${INTEROP_VENV_DIR:-<repo>/target/interop}/<env>/
# from tests/interop/requirements/<env>.txt.  An env whose stamp file holds the
# sha256 of its requirements file is skipped.
#
# Usage: tests/interop/setup_venvs.sh [ENV...]      (default: every env)
# Env:   INTEROP_VENV_DIR  where the venvs go
#        PYTHON            the interpreter to build them with (default python3)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
reqdir="$here/requirements"
venv_root="${INTEROP_VENV_DIR:-$repo/target/interop}"
python="${PYTHON:-python3}"

if [ "$#" -gt 0 ]; then
    envs=("$@")
else
    envs=()
    for f in "$reqdir"/*.txt; do
        envs+=("$(basename "$f" .txt)")
    done
fi

mkdir -p "$venv_root"
# Concurrent runs (several test binaries, gen_all.sh) would rm -rf each other's half-built
# venvs: one run at a time.
if command -v flock >/dev/null 2>&1; then
    exec 9>"$venv_root/.setup.lock"
    flock 9
fi
status=0
for env in "${envs[@]}"; do
    req="$reqdir/$env.txt"
    if [ ! -f "$req" ]; then
        echo "setup_venvs: unknown environment '$env' (no $req)" >&2
        status=1
        continue
    fi
    dir="$venv_root/$env"
    stamp="$dir/.requirements.sha256"
    want="$(sha256sum "$req" | cut -d' ' -f1)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$dir/bin/python" ]; then
        echo "setup_venvs: $env up to date"
        continue
    fi
    echo "setup_venvs: building $env"
    rm -rf "$dir"
    if "$python" -m venv "$dir" \
        && "$dir/bin/python" -m pip install --quiet --disable-pip-version-check \
               --no-input -r "$req"; then
        echo "$want" > "$stamp"
    else
        echo "setup_venvs: FAILED to build $env" >&2
        rm -rf "$dir"
        status=1
    fi
done
exit "$status"
