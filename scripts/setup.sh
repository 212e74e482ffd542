# Shared by scripts/run and scripts/test: a virtualenv with pinned packages, and
# the npm front-end libraries. Re-installs only when a requirements or lock file changes.
# VENV names the virtualenv folder (default .venv); the production smoke test uses another one.
set -euo pipefail
VENV="${VENV:-.venv}"

ensure_python_env() {
  local requirements="$1"
  if [ ! -x "$VENV/bin/python" ]; then
    echo "==> Creating the virtualenv in $VENV"
    python3 -m venv "$VENV"
  fi
  local stamp="$VENV/.installed-$(basename "$requirements")"
  local digest
  digest=$(cat requirements*.txt | sha256sum | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
    echo "==> Installing Python packages from $requirements"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
    echo "$digest" > "$stamp"
  fi
}

ensure_node_modules() {
  local digest
  digest=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [ ! -f node_modules/.installed ] || [ "$(cat node_modules/.installed)" != "$digest" ]; then
    echo "==> Installing front-end libraries from package-lock.json"
    npm ci --no-audit --no-fund --loglevel=error
    echo "$digest" > node_modules/.installed
  fi
}
