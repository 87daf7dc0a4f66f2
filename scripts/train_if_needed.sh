#!/usr/bin/env bash
# Trains the model only when its inputs changed since the last training.
set -euo pipefail
cd "$(dirname "$0")/.."
fingerprint=$(.venv/bin/python -m ops.training_fingerprint config.yml)
model=models/her2-assistant.tar.gz
if [ -f "$model" ] && [ "$(cat models/.fingerprint 2>/dev/null)" = "$fingerprint" ]; then
  echo "Model is up to date ($model)."
  exit 0
fi
echo "Training the model (an input changed: see ops/training_fingerprint.py) ..."
start=$(date +%s)
# Rasa's training cache (.rasa/cache) is off: this script already trains only when an
# input changed, and once the cache reaches its 1 GB cap, Rasa 3.6 re-measures the whole
# directory and evicts entries after every graph node, which made training 3-4x slower.
# Through the launcher, as every Rasa command of the project (rasa_fixes/ applied).
RASA_MAX_CACHE_SIZE=0 .venv/bin/python -m ops rasa train --fixed-model-name her2-assistant --out models --quiet
echo "$fingerprint" > models/.fingerprint
echo "Trained in $(( $(date +%s) - start )) s."
