#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter (Rasa 3.6 supports 3.8-3.10 only).
# Order: $PYTHON310, python3.10 on PATH, then pyenv. Fails with a clear message.
set -u
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' 2>/dev/null; }
for cand in "${PYTHON310:-}" "$(command -v python3.10 2>/dev/null)"; do
  if [ -n "$cand" ] && ok "$cand"; then echo "$cand"; exit 0; fi
done
if command -v pyenv >/dev/null 2>&1; then
  for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.10(\.[0-9]+)?$' | sort -t. -k3 -n -r); do
    cand="$(pyenv prefix "$v" 2>/dev/null)/bin/python3.10"
    if ok "$cand"; then echo "$cand"; exit 0; fi
  done
fi
cat >&2 <<'MSG'
ERROR: Python 3.10 was not found.
Rasa 3.6 runs on Python 3.8-3.10 only, and this project pins Python 3.10.
Install it, then run the command again, for example:
  pyenv install 3.10.13          (with pyenv)
  apt-get install python3.10     (Debian/Ubuntu, where packaged)
or point PYTHON310 at an existing interpreter:  PYTHON310=/path/to/python3.10 make run
MSG
exit 1
