#!/usr/bin/env bash
# Two replicas on one PostgreSQL database, as README "Running in production" describes them.
# The test suite runs this very file (test/process/two-replica-recipe.test.ts) against a
# database of its own; the README shows it verbatim (a test keeps the two in step).
#   DATABASE_URL  postgres://... shared by both replicas (required)
#   PORT_A PORT_B where the two replicas listen on 127.0.0.1 (default 8081, 8082)
set -euo pipefail
: "${DATABASE_URL:?set DATABASE_URL to the shared PostgreSQL database}"
PORT_A="${PORT_A:-8081}"
PORT_B="${PORT_B:-8082}"
REFERRAL="$(dirname "$0")/../bin/referral.mjs"   # what `npx referral` runs

# 1. One key and one callback secret per destination, the same for every replica.
key_output="$(node "$REFERRAL" keys create --role analyst --name recipe)"
KEY="$(sed -n 's/^key (shown once; hand it to its user): //p' <<<"$key_output")"
export API_KEYS="$(sed -n 's/^add to API_KEYS (comma-separated with any others): //p' <<<"$key_output")"
export ACK_SECRETS="police:whsec_$(head -c 32 /dev/urandom | base64),inhope:whsec_$(head -c 32 /dev/urandom | base64)"
export DATABASE_URL HOST=127.0.0.1 LOG_LEVEL=warn REGISTRY_LOOKUPS=false

# 2. Migrations run once, before the replicas start (a second run finds nothing to do).
node "$REFERRAL" migrate

# 3. Two replicas: same database, same keys and secrets, different ports (a TLS proxy in
#    front spreads the traffic over them).
PORT="$PORT_A" node "$REFERRAL" serve & replica_a=$!
PORT="$PORT_B" node "$REFERRAL" serve & replica_b=$!
trap 'kill -TERM $replica_a $replica_b 2>/dev/null || true; wait $replica_a $replica_b 2>/dev/null || true' EXIT
for port in "$PORT_A" "$PORT_B"; do
  for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null
done

# 4. A referral taken in by one replica is known to the other.
curl -fsS -X POST "http://127.0.0.1:$PORT_A/v1/referrals" \
  -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -d '{"reportId":"RECIPE-1","urls":[{"url":"https://images.recipe.example/1.jpg"}],"classification":{"category":"baseline","ageGroup":"unknown"}}' >/dev/null
curl -fsS "http://127.0.0.1:$PORT_B/v1/referrals/RECIPE-1" -H "Authorization: Bearer $KEY" | grep -q '"reportId":"RECIPE-1"'
echo "replica B sees the referral replica A took in"

# 5. The limit on failed authentication holds for the deployment, not per replica: the
#    counters are in the database. Alternate replicas; the first 429 comes after `limit`
#    failures in all (per replica it would take twice as many). Windows are whole minutes,
#    so start early in one.
limit="${AUTH_FAILURES_PER_MINUTE:-30}"
second=$((10#$(date +%S)))
if [ "$second" -ge 40 ]; then sleep $((61 - second)); fi
for i in $(seq 1 $((limit + 1))); do
  port=$([ $((i % 2)) -eq 0 ] && echo "$PORT_A" || echo "$PORT_B")
  status="$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer wrong' "http://127.0.0.1:$port/v1/handovers")"
  expected=$([ "$i" -le "$limit" ] && echo 401 || echo 429)
  [ "$status" = "$expected" ] || { echo "failure $i of $limit across both replicas: expected $expected, got $status" >&2; exit 1; }
done
echo "failed authentication is limited across both replicas"
