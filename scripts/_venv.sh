# Sourced by scripts/run and scripts/test: make .venv and install the pinned
# dependencies from pyproject.toml, again only when pyproject.toml changed.
set -euo pipefail
extras="${1:-}"
python_bin="${PYTHON:-}"
if [ -z "$python_bin" ]; then
  if command -v python3.11 >/dev/null 2>&1; then python_bin=python3.11; else python_bin=python3; fi
fi
if [ ! -x .venv/bin/python ]; then
  "$python_bin" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required")'
  echo "Creating .venv with $("$python_bin" --version)"
  "$python_bin" -m venv .venv
fi
stamp="$(sha256sum pyproject.toml | cut -d' ' -f1)${extras:+-$extras}"
if [ "$(cat .venv/.installed 2>/dev/null)" != "$stamp" ]; then
  echo "Installing pinned dependencies into .venv ..."
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet ".${extras:+[$extras]}"
  echo "$stamp" > .venv/.installed
fi
