#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (the zip is
# unpacked in $AUTOGRADER_ROOT/source). It makes a virtual environment with Python 3.11 or
# newer and installs exactly the versions in requirements.txt (numpy and torch==2.13.0; the
# grader itself runs from source/convlab). torch comes from PyTorch's CPU-only index
# (CONVLAB_TORCH_INDEX, empty: pip's own configuration only). Ubuntu images without
# Python 3.11 get it from apt.
set -euo pipefail
AUTOGRADER_ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$AUTOGRADER_ROOT/source"
VENV="$AUTOGRADER_ROOT/convlab-venv"
TORCH_INDEX="${CONVLAB_TORCH_INDEX-https://download.pytorch.org/whl/cpu}"

new_enough() {
  "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null
}

PYTHON=""
for candidate in python3.13 python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null && new_enough "$candidate"; then
    PYTHON="$(command -v "$candidate")"
    break
  fi
done
if [ -z "$PYTHON" ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3.11 python3.11-venv
  PYTHON="$(command -v python3.11)"
fi
if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then  # Debian and Ubuntu ship venv's pip separately
  version="$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "python$version-venv"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-cache-dir \
  ${TORCH_INDEX:+--extra-index-url "$TORCH_INDEX"} -r "$SOURCE/requirements.txt"
# The versions the grader was tested with, or stop the build here rather than grade with others.
"$VENV/bin/python" - "$SOURCE/requirements.txt" <<'PY'
import sys
from importlib.metadata import version

wanted = dict(line.strip().split("==") for line in open(sys.argv[1]) if "==" in line)
found = {name: version(name).split("+")[0] for name in wanted}
if found != wanted:
    sys.exit(f"installed {found}, but requirements.txt pins {wanted}")
print("convlab: installed " + ", ".join(f"{n}=={v}" for n, v in found.items()))
PY
chmod 600 "$SOURCE/hidden_seed"
chmod 755 "$SOURCE/run_autograder" 2>/dev/null || true
