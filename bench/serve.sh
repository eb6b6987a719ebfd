#!/usr/bin/env bash
# Benchmark of the service (issue 14, "Speed"): `netvet serve --demo` on SQLite and on a
# throwaway PostgreSQL cluster (Debian's postgresql package, started in a temporary
# directory), driven by crates/server/examples/serve_load.rs:
#   - CLIENTS (100) keep-alive clients read analyses (GET /analyses/{id}, /findings, the list)
#     for PHASE_SECONDS (10), then assessments (GET /products/{id}/assessment?catalogue=de-2024);
#     requests/s, p50 and p99 latency;
#   - one upload of UPLOAD_MIB (512) MiB streamed to the local object store, MB/s;
#   - the server's peak RSS (VmHWM) after the reads and after the upload (the demo's
#     analyses ran before: two workers with their compiled rule packs are part of it).
# Targets: p99 < 50 ms on the demo data set; uploads ≥ 200 MB/s with flat memory.
# NETVET_BIN=path uses that netvet binary (e.g. a debug build) instead of building release.
# The machine is shared: run it more than once and compare within one run.
set -euo pipefail
cd "$(dirname "$0")/.."
CLIENTS=${CLIENTS:-100}
PHASE_SECONDS=${PHASE_SECONDS:-10}
UPLOAD_MIB=${UPLOAD_MIB:-512}
BACKENDS=${BACKENDS:-sqlite,postgres}
WORK=${WORK:-bench/work/serve}

if [ -n "${NETVET_BIN:-}" ]; then
  NETVET=$(realpath "$NETVET_BIN")
  cargo build -q -p netvet-server --example serve_load
  LOAD=target/debug/examples/serve_load
else
  cargo build --release -q -p netvet -p netvet-server --bin netvet --example serve_load
  NETVET=$PWD/target/release/netvet
  LOAD=target/release/examples/serve_load
fi
# Each client holds a connection; the default 1024 open files is enough for 100.
"$LOAD" --netvet "$NETVET" --work "$WORK" --clients "$CLIENTS" --seconds "$PHASE_SECONDS" \
  --upload-mib "$UPLOAD_MIB" --backends "$BACKENDS"
rm -rf "$WORK"
