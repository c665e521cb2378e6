#!/usr/bin/env bash
# Builds src/core and its GoogleTest unit tests with AddressSanitizer and UBSan, and runs them.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build/unit -DDEXCOST_SANITIZE=ON -DDEXCOST_WERROR=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build/unit -j "$(nproc)" >/dev/null
ctest --test-dir build/unit --output-on-failure -j "$(nproc)"
