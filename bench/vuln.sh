#!/usr/bin/env bash
# Advisory index benchmark: builds an index over 200,000 advisories (the real built-in set
# plus generated NVD- and OSV-shaped records) and matches 10,000 components against it.
# Reports build time, index size, open time and matching time (target: matching < 1 s once
# the index is open), then times `netvet vulns` end to end on a 10,000-component SBOM.
#
#   bench/vuln.sh [ADVISORIES] [COMPONENTS]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-200000}"
c="${2:-10000}"
work=bench/work/vuln
mkdir -p "$work"
cargo build --release -q -p netvet
cargo build --release -q -p netvet-vuln --example vuln_bench
echo "== library: build $n advisories, match $c components"
target/release/examples/vuln_bench "$work" "$n" "$c" | tee "$work/result.txt"
echo "== CLI: netvet vulns on a $c-component CycloneDX SBOM (open + read + match + output)"
/usr/bin/time -f "cli_vulns_seconds %e s\ncli_vulns_max_rss %M KiB" \
  target/release/netvet vulns "$work/components.cdx.json" --db "$work/advisories.db" --format json \
  > "$work/vulns.json" 2> >(grep -v '^netvet:' >&2)
python3 - "$work/vulns.json" <<'PY' 2>/dev/null || true
import json, sys
d = json.load(open(sys.argv[1]))
print("cli_matches", len(d["vulnerabilities"]), "not_comparable", len(d["not_comparable"]))
PY
