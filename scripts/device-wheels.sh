#!/usr/bin/env bash
# Wheels that `benchmarks/train_throughput.py --trainer` needs on a GPU machine whose Python (3.12,
# x86-64) has torch, transformers and accelerate but not TRL or datasets: the packages below at the
# versions constraints.txt locks (the image's own transformers/accelerate are older), into .whl/.
# On the machine: pip install --no-deps --target /tmp/site .whl/*.whl; PYTHONPATH=/tmp/site:src:.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
names=(trl datasets dill multiprocess transformers huggingface_hub httpx2 httpcore2 hf-xet tokenizers
       accelerate peft kernels truststore safetensors)
rm -rf .whl
mkdir -p .whl
for name in "${names[@]}"; do
    pattern="^${name//[-_]/[-_]}=="
    spec=$(grep -i -E "$pattern" constraints.txt) || { echo "not in constraints.txt: $name" >&2; exit 1; }
    "$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 \
        --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
        --platform manylinux2014_x86_64 -d .whl "$spec"
done
du -sh .whl
