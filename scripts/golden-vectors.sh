#!/usr/bin/env bash
# Regenerates the golden vectors in test/golden/ with real Go memberlist (interop/cmd/govectors).
#   scripts/golden-vectors.sh           write test/golden/*.json
#   scripts/golden-vectors.sh --check   regenerate into a temporary directory and compare: the
#                                    deterministic files must be identical; traffic.json (random
#                                    nonces and timing) must cover the same kinds of records.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/scripts/build-interop.sh"
if [ "${1:-}" != "--check" ]; then
  "$root/interop/bin/govectors" -out "$root/test/golden"
  exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$root/interop/bin/govectors" -out "$tmp"
# traffic.json depends on timing (which probes time out when): on a loaded machine a run can miss
# a kind of record, so regenerate it a few times before calling the coverage different.
traffic_ok() {
  python3 - "$tmp" "$root/test/golden" <<'PY'
import json, sys
fresh, committed = sys.argv[1], sys.argv[2]
kinds = lambda d: {
    (r["config"]["name"], r["channel"], m["typeName"])
    for r in json.load(open(f"{d}/traffic.json"))["records"]
    for m in r["decoded"]["messages"]
}
missing = kinds(committed) - kinds(fresh)
if missing:
    print(f"traffic.json: this run did not produce {sorted(missing)[:5]}")
    sys.exit(1)
PY
}
for attempt in 1 2 3; do
  traffic_ok && break
  [ "$attempt" -eq 3 ] && { echo "traffic.json covers record kinds Go no longer produces"; exit 1; }
  "$root/interop/bin/govectors" -only traffic -out "$tmp"
done
status=0
if ! cmp -s "$tmp/messages.json" "$root/test/golden/messages.json"; then
  echo "messages.json differs from what Go memberlist produces now (run: npm run vectors)"
  status=1
fi
python3 - "$tmp" "$root/test/golden" <<'PY' || status=1
import json, sys
fresh, committed = sys.argv[1], sys.argv[2]
def load(d, f): return json.load(open(f"{d}/{f}"))
a, b = load(fresh, "framing.json")["framing"], load(committed, "framing.json")["framing"]
# Everything but the encryption outputs (random nonces) is deterministic.
for section in a:
    if section in ("encrypt", "decrypt", "streamFrame"):
        continue
    if a[section] != b[section]:
        sys.exit(f"framing.json section {section} differs from what Go memberlist produces now")
for section in ("encrypt", "decrypt", "streamFrame"):
    strip = lambda vs: [{k: v for k, v in x.items() if k != "hex"} for x in vs]
    if strip(a[section]) != strip(b[section]):
        sys.exit(f"framing.json section {section} covers different cases")
PY
if [ "$status" -eq 0 ]; then echo "golden vectors are current"; fi
exit "$status"
