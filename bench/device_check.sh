#!/usr/bin/env bash
# The GPU machine's check (see bench/RESULTS.md): a real PyTorch training on the GPU logged
# through rsdk — direct calls and torch's SummaryWriter intercepted — against a real server
# (`train`), a five-run sweep asked about in plain language and searched (`sweep`), then the
# log_metric overhead benchmark next to torch's SummaryWriter (`bench`). Arguments pick the
# steps (default: all three). Expects the release server binary in .dev/rsdk and the release
# wheel in .whl/ (both carried, ignored by git).
set -euo pipefail
out=${OUT:-/tmp/device-out}
mkdir -p "$out"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .whl/*.whl
export PYTHONPATH=/tmp/site PYTHONUNBUFFERED=1
root=$(mktemp -d)
export XDG_CONFIG_HOME=$root/config RSDK_DATA_DIR=$root/data RSDK_BIND=127.0.0.1:7878 \
  RSDK_LOG=warn RSDK_SPOOL_DIR=$root/spool
.dev/rsdk serve >"$out/server.log" 2>&1 &
server=$!
python3 - <<'PY'
import time, urllib.request
for _ in range(300):
    try:
        urllib.request.urlopen("http://127.0.0.1:7878/readyz", timeout=1); break
    except OSError:
        time.sleep(0.1)
PY
export RSDK_SERVER=http://127.0.0.1:7878
RSDK_TOKEN=$(sed -n 's/^token = "\(.*\)"$/\1/p' "$root/config/rsdk/config.toml")
export RSDK_TOKEN
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$out/gpu.txt"
python3 -c "import torch, sys; print('python', sys.version.split()[0], 'torch', torch.__version__)"
steps=${*:-train sweep bench}
if [[ " $steps " == *" train "* ]]; then
  python3 sdk/python/examples/train_torch.py --steps 3000 --logdir "$root/tb" | tee "$out/train.txt"
  ls -la "$root/tb" | tee -a "$out/train.txt"
fi
if [[ " $steps " == *" sweep "* ]]; then
  python3 sdk/python/examples/sweep_and_ask.py --steps 600 --logdir "$root/sweep" | tee "$out/sweep.txt"
fi
kill "$server"
if [[ " $steps " == *" bench "* ]]; then
  RSDK_BIN=.dev/rsdk python3 bench/sdk_overhead.py --calls 1000000 | tee "$out/bench.txt"
fi
