#!/usr/bin/env bash
# Regenerates the sample products' scan evidence (examples/evidence/*.json) from their firmware
# recipes (examples/firmware/<product>.toml), and the image digests in their product records
# (examples/products/<product>.toml), by scanning each built image as of 2026-12-01. The test
# crates/pipeline/tests/evidence.rs fails when the committed files differ from such a scan.
set -euo pipefail
cd "$(dirname "$0")/../.."
NETVET_BLESS=1 cargo test --quiet -p netvet-pipeline --test evidence
git status --short examples/
