#!/usr/bin/env bash
# Funnel, locally.
#   ./run.sh                      start Azurite and the app (http://127.0.0.1:7071); Ctrl-C stops both
#   ./run.sh token --role ROLE [--store ID] [--clerk ID] [--hours N]
#                                 print a dev token (the JWT alone on the last line); starts nothing
#   ./run.sh demo [--scale N] [--stores N] [--regions N] [--clerks N] [--days N] [--seed N] …
#                                 start both with the clock N times faster (default 4320: a day every 20 s) and raised
#                                 public rate limits, seed a chain, simulate a month of traffic, print a summary and
#                                 links to the pages; the app keeps running until Ctrl-C
#   ./run.sh demo --wecom …       the same chain through WeCom: a local WeCom stand-in (port 7072) and the app
#                                 configured for it; shoppers recruited by a clerk are added on WeCom (callbacks)
# Environment: FUNNEL_URL (default http://127.0.0.1:7071), AZURITE_DIR (default ./.azurite).
set -euo pipefail
cd "$(dirname "$0")"
root=$(pwd)

ensure_settings() {
  # local.settings.json holds this machine's keys (never committed); made from the sample on first run.
  if [ ! -f local.settings.json ]; then
    key() { head -c 48 /dev/urandom | base64 | tr -d '\n/+=' | head -c 48; }
    sed -e "s|\"Auth__SigningKey\": \"[^\"]*\"|\"Auth__SigningKey\": \"$(key)\"|" \
        -e "s|\"Funnel__LeadHashKey\": \"[^\"]*\"|\"Funnel__LeadHashKey\": \"$(key)\"|" \
        -e "s|\"Funnel__CodeSigningKey\": \"[^\"]*\"|\"Funnel__CodeSigningKey\": \"$(key)\"|" \
        local.settings.sample.json > local.settings.json
    echo "run.sh: created local.settings.json with fresh keys" >&2
  fi
  export FUNNEL_LOCAL_SETTINGS="$root/local.settings.json"
}

ensure_azurite() {
  if [ ! -x node_modules/.bin/azurite ] || [ ! -f node_modules/@azure/msal-browser/lib/msal-browser.min.js ]; then
    echo "run.sh: installing the pinned npm parts: Azurite and MSAL for the pages (npm ci)..." >&2
    npm ci --no-audit --no-fund --loglevel=error >&2
  fi
}

if [ "${1:-}" = "token" ]; then
  shift
  ensure_settings
  exec dotnet run --project tools/Funnel.Dev -v quiet -- token "$@"
fi

demo=false
wecom=false
wecom_port=7072
scale=4320
demo_args=()
if [ "${1:-}" = "demo" ]; then
  demo=true
  shift
  while [ $# -gt 0 ]; do
    case "$1" in
      --scale) scale="${2:?--scale needs a number}"; shift 2 ;;
      --url) echo "run.sh demo: the demo runs against FUNNEL_URL; set that instead of --url." >&2; exit 2 ;;
      --wecom) wecom=true; shift ;;
      *) demo_args+=("$1"); shift ;;
    esac
  done
fi

ensure_settings
ensure_azurite
url="${FUNNEL_URL:-http://127.0.0.1:7071}"
data="${AZURITE_DIR:-$root/.azurite}"
mkdir -p "$data"

pids=()
stop() {
  trap - INT TERM EXIT
  # The app first, Azurite last: the app's journey engine stops cleanly (in seconds) only while its storage still
  # answers. Azurite runs in a session of its own (setsid) so that Ctrl-C, which the terminal sends to the whole
  # foreground group, does not stop it before the app (which, in the background, ignores SIGINT and stops on TERM).
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill "${pids[i]}" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "${pids[i]}" 2>/dev/null || break; sleep 0.5; done
  done
  wait 2>/dev/null || true
  if [ -n "${queues:-}" ]; then rm -rf "$queues"; fi
}
trap 'stop; exit 130' INT TERM
trap stop EXIT

for port in 10000 10001 10002; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "run.sh: port $port is taken (another Azurite?). Stop it, or point AzureWebJobsStorage elsewhere." >&2
    exit 1
  fi
done
if $demo; then
  # The demo's progress goes to the terminal; Azurite's and the app's logs (every outbound message) to a file.
  # A month of compressed journeys is more than one single-threaded Azurite keeps up with, so each service runs in its
  # own process (Azurite ships them apart), on its own core. Tables and blobs live in memory. Queues are kept in files
  # (on tmpfs where there is one): in memory, Azurite stores every queue message as an extent of its own and its
  # clean-up removes them one index rebuild at a time, which grew with the square of the message rate (measured with
  # node --cpu-prof; docs/benchmarks.md). Ctrl-C discards all of it.
  applog="$data/funnel-demo.log"
  : > "$applog"
  queues=$(mktemp -d "$( [ -d /dev/shm ] && echo /dev/shm || echo "$data")/funnel-demo-queues.XXXXXX")
  for service in table blob; do
    setsid node "node_modules/azurite/dist/src/$service/main.js" --inMemoryPersistence --skipApiVersionCheck --silent --disableTelemetry >>"$applog" 2>&1 &
    pids+=($!)
  done
  setsid node node_modules/azurite/dist/src/queue/main.js --location "$queues" --skipApiVersionCheck --silent --disableTelemetry >>"$applog" 2>&1 &
else
  setsid node node_modules/azurite/dist/src/azurite.js --location "$data" --skipApiVersionCheck --silent --disableTelemetry &
fi
pids+=($!)

if $demo; then
  # Release: the simulation keeps two cores busy. The clock runs $scale times faster from a fixed origin (this moment),
  # so the app's clock and its journeys' durable timers survive a restart of the app with the same settings; an idle
  # journey worker polls its queues at least every second, so a timer fires at most a second (an hour and more of
  # app time) late. Every simulated shopper sends from this one address, so the per-address public rate limit is
  # raised for this run only.
  # The dev tool (tools/Funnel.Dev) builds the app with it: it mints the tokens and runs the demo.
  dotnet build tools/Funnel.Dev -c Release -v quiet -nologo >&2
  export Journeys__TimeScale="$scale"
  export Journeys__TimeScaleOrigin="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  export Journeys__MaxQueuePollingIntervalSeconds=1
  # Azurite answers every table query by reading the whole table, and the engine reads a journey's history with one:
  # shorter generations keep the history table (and so every read) small. In Azure a partition query costs the same.
  export Journeys__StepsPerGeneration=2
  export Journeys__PartitionCount=1
  export RateLimiting__PublicPermitsPerWindow=1000000
  if $wecom; then
    # The local WeCom (tests/Funnel.Testing/WeComStandIn.cs) as a process of its own, and the app configured for its
    # corp: these are the stand-in's test values, not secrets. It stops after the app (the app may still be sending).
    if (exec 3<>"/dev/tcp/127.0.0.1/$wecom_port") 2>/dev/null; then
      echo "run.sh: port $wecom_port (the WeCom stand-in) is taken." >&2
      exit 1
    fi
    dotnet run --project tools/Funnel.Dev -c Release --no-build -- wecom-stand-in --port "$wecom_port" >>"$applog" 2>&1 &
    pids+=($!)
    export WeCom__CorpId=ww-funnel-test WeCom__Secret=stand-in-secret-0123456789 WeCom__Token=FunnelCallbackToken1
    export WeCom__EncodingAesKey=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG WeCom__BaseUrl="http://127.0.0.1:$wecom_port"
    demo_args+=(--wecom "http://127.0.0.1:$wecom_port")
  fi
  dotnet run --project functions/Funnel.App -c Release --no-build -- --urls "$url" --environment Development >>"$applog" 2>&1 &
else
  dotnet build functions/Funnel.App -v quiet -nologo >&2
  dotnet run --project functions/Funnel.App --no-build -- --urls "$url" --environment Development &
fi
pids+=($!)

for _ in $(seq 1 60); do
  if curl -fs "$url/healthz" >/dev/null 2>&1; then break; fi
  sleep 1
done

if $demo; then
  status=0
  dev() { dotnet run --project tools/Funnel.Dev -c Release --no-build -- "$@"; }
  token() { dev token "$@" | tail -1; }
  hq=$(token --role hq)
  clerk=$(token --role clerk --store north-01 --clerk c1)
  cat >&2 <<MSG
run.sh: Funnel is at $url with its clock ${scale}x faster from $Journeys__TimeScaleOrigin; its log: $applog
Open these now to watch the chain fill up (the pages refresh every 10 s):
  HQ console:        $url/hq#token=$hq
  clerk north-01/c1: $url/clerk#token=$clerk
MSG
  dev demo --url "$url" "${demo_args[@]}" || status=$?
  code=$(curl -fs -X POST "$url/api/stores/north-01/codes" -H "Authorization: Bearer $hq" -H 'content-type: application/json' \
           -d '{"clerkId":"c1","channel":"till"}' | sed -E 's/.*"code":"([^"]+)".*/\1/' || true)
  cat <<MSG

The demo finished (exit status $status). Funnel keeps running at $url with its clock ${scale}x faster
from $Journeys__TimeScaleOrigin (storage: Azurite in memory; log: $applog). Open:
  HQ console:       $url/hq#token=$hq
  clerk north-01/c1: $url/clerk#token=$clerk
  shopper landing:  $url/s/$code
Ctrl-C stops the app and Azurite.
MSG
  wait -n "${pids[@]}"
  exit 0
fi

cat <<MSG

Funnel is running at $url (storage: Azurite, data in $data)
  health:    curl $url/healthz
  a token:   ./run.sh token --role hq        (or --role store --store s1, --role clerk --store s1 --clerk c1)
  OpenAPI:   $url/openapi/v1.json
Ctrl-C stops the app and Azurite.
MSG
wait -n "${pids[@]}"
