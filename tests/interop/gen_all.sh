#!/usr/bin/env bash
# Set up every interop virtualenv (idempotent), regenerate tests/golden/<env>.json
# from the real libraries, then replay each golden file through peer.py.
# Usage: tests/interop/gen_all.sh [ENV...]        (default: every env)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv_root="${INTEROP_VENV_DIR:-$repo/target/interop}"

"$here/setup_venvs.sh" "$@"

if [ "$#" -gt 0 ]; then
    envs=("$@")
else
    envs=()
    for f in "$here"/requirements/*.txt; do envs+=("$(basename "$f" .txt)"); done
fi
for env in "${envs[@]}"; do
    "$venv_root/$env/bin/python" "$here/gen_golden.py" "$env"
done
for env in "${envs[@]}"; do
    "$venv_root/$env/bin/python" "$here/check_golden.py" "$venv_root/$env/bin/python" "$repo/tests/golden/$env.json"
done
