# Sourced by scripts/bench/heartbeat-nodes and scripts/bench/serve-nodes (the --nodes mode of
# scripts/bench-heartbeat and scripts/bench-serve): in one run, one festival node on SQLite against
# two nodes on one PostgreSQL catalog and one shared data folder behind nginx as the balancer
# (scripts/bench/nodes.mjs), each with an account of ROLE to sign in. Expects $work, $build, pids=().
# BENCH_NODES_CATALOG=sqlite runs the two nodes on the shared folder's SQLite file instead.

bench_email=bench@festival.local
bench_password=bench-password-2026

# festival serve on SQLite at $work/single/data: sets single_url and single_pid.
start_single() {
  local role="$1"; shift
  mkdir -p "$work/single/data"
  FESTIVAL_PASSWORD="$bench_password" "$build/festival" user add --email "$bench_email" --role "$role" \
    --data-dir "$work/single/data" >/dev/null
  "$build/festival" serve --listen 127.0.0.1:0 --data-dir "$work/single/data" --access-log off "$@" \
    >"$work/single/out" 2>"$work/single/err" &
  single_pid=$!
  pids+=("$single_pid")
  for _ in $(seq 100); do grep -q listening "$work/single/out" 2>/dev/null && break; sleep 0.1; done
  single_url="$(sed -n 's/.*"url":"\([^"]*\)".*/\1/p' "$work/single/out" | head -1)"
  [[ -n "$single_url" ]] || { cat "$work/single/err" >&2; echo "bench: the single node did not start" >&2; exit 1; }
}

# Two nodes and the balancer: sets nodes_url (the balancer), nodes_catalog (libpq URL, empty on SQLite),
# node_pids and node_urls. They stop when this script ends (their stdin is a FIFO it holds open) or on SIGTERM.
start_nodes() {
  local role="$1"; shift
  mkdir -p "$work/nodes"
  mkfifo "$work/nodes/hold"
  FESTIVAL_BUILD_DIR="$(realpath "$build")" node scripts/bench/nodes.mjs "$work/nodes/data" 2 "$bench_email" "$role" \
    "$bench_password" "${BENCH_NODES_CATALOG:-postgresql}" -- "$@" <"$work/nodes/hold" >"$work/nodes/out" 2>"$work/nodes/err" &
  pids+=("$!")
  exec 3>"$work/nodes/hold"
  for _ in $(seq 600); do [[ -s "$work/nodes/out" ]] && break; kill -0 "${pids[-1]}" 2>/dev/null || break; sleep 0.1; done
  [[ -s "$work/nodes/out" ]] || { cat "$work/nodes/err" >&2; echo "bench: the nodes did not start" >&2; exit 1; }
  local line
  line="$(head -1 "$work/nodes/out")"
  nodes_url="$(node -e 'console.log(JSON.parse(process.argv[1]).url)' "$line")"
  nodes_catalog="$(node -e 'console.log(JSON.parse(process.argv[1]).catalog)' "$line")"
  read -r -a node_pids <<<"$(node -e 'console.log(JSON.parse(process.argv[1]).nodes.map((n) => n.pid).join(" "))' "$line")"
  read -r -a node_urls <<<"$(node -e 'console.log(JSON.parse(process.argv[1]).nodes.map((n) => n.url).join(" "))' "$line")"
}

# Signs the bench account in at URL into cookie jar JAR; prints the CSRF token.
sign_in() {
  curl -s -c "$2" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$bench_email\",\"password\":\"$bench_password\"}" "${1}api/session" |
    sed -n 's/.*"csrf_token":"\([^"]*\)".*/\1/p'
}

# Creates a film at URL (signed in with JAR and CSRF) from the JSON body; prints its id.
create_film() {
  curl -s -b "$2" -H 'Content-Type: application/json' -H "X-CSRF-Token: $3" -d "$4" "${1}api/films" |
    sed -n 's/.*"id":\([0-9]*\).*/\1/p' | head -1
}

# Runs SQL on the nodes' catalog (PostgreSQL, or the shared SQLite file).
nodes_sql() {
  if [[ -n "$nodes_catalog" ]]; then psql -X -q -t -A -v ON_ERROR_STOP=1 -d "$nodes_catalog" -c "$1"
  else sqlite3 "$work/nodes/data/catalog.db" "$1"; fi
}

# PostgreSQL's own counts of the catalog database: "commits rows_written" (0 0 on SQLite).
pg_writes() {
  if [[ -z "$nodes_catalog" ]]; then echo "0 0"; return; fi
  nodes_sql "SELECT pg_stat_force_next_flush()" >/dev/null 2>&1 || true
  nodes_sql "SELECT xact_commit, tup_inserted + tup_updated + tup_deleted FROM pg_stat_database WHERE datname = current_database()" |
    tr '|' ' '
}

# The sum of the VmRSS of the given pids, in MB.
rss_mb() {
  local total=0 pid
  for pid in "$@"; do total=$((total + $(awk '/VmRSS/ {print $2}' "/proc/$pid/status"))); done
  echo $((total / 1024))
}
