# Shared by scripts/run and scripts/test: create .venv on first use and install a requirements file
# whenever it changes (a stamp file holds the hash of what was installed last).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="${PYTHON:-python3}"

ensure_venv() {
  local req="$1" stamp hash
  if [ ! -x "$VENV/bin/python" ]; then
    echo "==> creating the virtual environment in .venv"
    "$PY" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
  fi
  hash="$(cat "$ROOT/requirements.txt" "$ROOT/$req" | sha256sum | cut -d' ' -f1)"
  stamp="$VENV/.installed-$(basename "$req")"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$hash" ]; then
    echo "==> installing $req"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$ROOT/$req"
    echo "$hash" > "$stamp"
  fi
}
