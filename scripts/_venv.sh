# Sourced by scripts/run and scripts/test: make .venv and install the locked
# dependencies (every package pinned with its hashes in requirements/*.lock),
# again only when the lock file changed.
# Regenerate the locks after changing pyproject.toml: bash scripts/lock
set -euo pipefail
extras="${1:-run}"
lock="requirements/${extras}.lock"
python_bin="${PYTHON:-}"
if [ -z "$python_bin" ]; then
  # The first interpreter that runs and is 3.11 or newer.
  for candidate in python3 python3.11 python3.12 python3.13; do
    if "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] < (3, 11))' >/dev/null 2>&1; then
      python_bin="$candidate"
      break
    fi
  done
  python_bin="${python_bin:-python3}"
fi
if [ ! -x .venv/bin/python ]; then
  "$python_bin" -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else "Python 3.11 or newer is required")'
  echo "Creating .venv with $("$python_bin" --version)"
  "$python_bin" -m venv .venv
fi
stamp="$(sha256sum "$lock" | cut -d' ' -f1)-$extras"
if [ "$(cat .venv/.installed 2>/dev/null)" != "$stamp" ]; then
  echo "Installing the locked dependencies ($lock) into .venv ..."
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet --require-hashes -r "$lock"
  echo "$stamp" > .venv/.installed
fi
