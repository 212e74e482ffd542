# Shared by scripts/run and scripts/test: a virtualenv with pinned packages, and
# the npm front-end libraries. Re-installs only when a requirements or lock file changes.
set -euo pipefail

ensure_python_env() {
  local requirements="$1"
  if [ ! -x .venv/bin/python ]; then
    echo "==> Creating the virtualenv in .venv"
    python3 -m venv .venv
  fi
  local stamp=".venv/.installed-$(basename "$requirements")"
  local digest
  digest=$(cat requirements*.txt | sha256sum | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
    echo "==> Installing Python packages from $requirements"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$requirements"
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
