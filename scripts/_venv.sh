# Shared by scripts/run, scripts/serve and scripts/test: check Python, create .venv on first use (or rebuild
# one whose creation did not finish), and install a requirements file whenever it changes (a stamp file
# holds the hash of what was installed last, written only after the install succeeded).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="${PYTHON:-python3}"
MIN_PYTHON="3.11"

check_python() {
  if ! command -v "$PY" >/dev/null 2>&1; then
    echo "error: $PY not found. Leverage needs Python $MIN_PYTHON or newer; install it, or set PYTHON=/path/to/python3" >&2
    exit 2
  fi
  if ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
    echo "error: Leverage needs Python $MIN_PYTHON or newer; $PY is $("$PY" -c 'import platform; print(platform.python_version())' 2>/dev/null || echo 'unusable')." >&2
    echo "       Install a newer Python, or set PYTHON=/path/to/python3.11 and run this again." >&2
    exit 2
  fi
}

venv_is_sound() {
  # Created to the end (the marker is written last) and still runnable with pip (its Python not removed).
  [ -f "$VENV/.created" ] && [ -x "$VENV/bin/python" ] \
    && "$VENV/bin/python" -c 'import sys, pip; sys.exit(0 if sys.version_info >= (3, 11) else 1)' >/dev/null 2>&1
}

ensure_venv() {
  local req="$1" stamp hash
  if ! venv_is_sound; then
    check_python
    if [ -e "$VENV" ]; then
      echo "==> .venv is incomplete or broken (an earlier install did not finish): rebuilding it"
      rm -rf "$VENV"
    fi
    echo "==> creating the virtual environment in .venv"
    "$PY" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    touch "$VENV/.created"
  fi
  hash="$(cat "$ROOT/requirements.txt" "$ROOT/$req" | sha256sum | cut -d' ' -f1)"
  stamp="$VENV/.installed-$(basename "$req")"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$hash" ]; then
    echo "==> installing $req"
    rm -f "$stamp"
    if ! "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$ROOT/$req"; then
      echo "error: installing $req failed (see pip's message above); run this command again to retry" >&2
      exit 1
    fi
    echo "$hash" > "$stamp"
  fi
}
