#!/usr/bin/env bash
# SayHello under h2load: the project's host beside the bare twin (bench/StreamingGreeter.BareFanOut), each in a fresh
# process, A B A B in one invocation. Prints one Markdown row per run: calls/s, and the server process's CPU per call
# from /proc/<pid>/stat. h2load (Debian's nghttp2-client) is the load client: C, a few µs per call, on one thread
# (-t 1) so that it takes at most one of the machine's cores.
#   bench/unary-h2load.sh            (after: dotnet build -c Release StreamingGreeter.sln)
#   CALLS=400000 CLIENTS=8 STREAMS=64 bench/unary-h2load.sh
set -euo pipefail
calls=${CALLS:-200000}
clients=${CLIENTS:-4}
streams=${STREAMS:-32}
root=$(cd "$(dirname "$0")/.." && pwd)
project=$root/src/StreamingGreeter.Server/bin/Release/net10.0/StreamingGreeter.Server.dll
bare=$root/bench/StreamingGreeter.BareFanOut/bin/Release/net10.0/StreamingGreeter.BareFanOut.dll
for dll in "$project" "$bare"; do
  [[ -f $dll ]] || { echo "$dll is missing: dotnet build -c Release StreamingGreeter.sln" >&2; exit 2; }
done
command -v h2load >/dev/null || { echo "h2load is missing: apt-get install nghttp2-client" >&2; exit 2; }

work=$(mktemp -d)
server=
cleanup() { [[ -n $server ]] && kill "$server" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
# One HelloRequest { name: "World" } in its 5-byte gRPC frame.
printf '\x00\x00\x00\x00\x07\x0a\x05World' > "$work/request"
ticks=$(getconf CLK_TCK)
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

load() {
  # Bounded in time, as every benchmark here: a stalled server ends the run rather than holding it.
  timeout 600 h2load -n "$1" -c "$clients" -m "$streams" -t 1 -d "$work/request" \
    -H 'content-type: application/grpc' -H 'te: trailers' "$2/helloworld.Greeter/SayHello"
}

run() {
  local name=$1 dll=$2 url= out before after rate ok
  dotnet "$dll" --urls http://127.0.0.1:0 --Greeter:PublishesPerSecond=0 > "$work/$name.log" 2>&1 &
  server=$!
  for _ in $(seq 300); do
    url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/$name.log" | head -1 || true)
    [[ -n $url ]] && break
    kill -0 "$server" 2>/dev/null || { cat "$work/$name.log" >&2; exit 1; }
    sleep 0.1
  done
  [[ -n $url ]] || { echo "$name did not start within 30 s" >&2; exit 1; }
  load $((calls / 10)) "$url" > /dev/null
  before=$(cpu "$server")
  out=$(load "$calls" "$url")
  after=$(cpu "$server")
  kill "$server"; wait "$server" 2>/dev/null || true; server=
  ok=$(sed -n 's/^status codes: \([0-9]*\) 2xx.*/\1/p' <<< "$out")
  [[ $ok == "$calls" ]] || { echo "FAILED: $name answered $ok of $calls calls with 2xx" >&2; echo "$out" >&2; exit 1; }
  # A gRPC error is HTTP 200 too, with no message: every call must have brought its 19-byte HelloReply frame
  # ("Hello, World" in its 5-byte gRPC prefix). h2load counts DATA bytes; it does not read trailers.
  data=$(sed -n 's/^traffic: .* (\([0-9]*\)) data$/\1/p' <<< "$out")
  [[ $data == $((calls * 19)) ]] || { echo "FAILED: $name sent $data bytes of replies, $((calls * 19)) expected: not every call was answered" >&2; exit 1; }
  rate=$(sed -n 's/^finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p' <<< "$out")
  awk -v n="$name" -v calls="$calls" -v c="$clients" -v m="$streams" -v rate="$rate" -v used=$((after - before)) -v ticks="$ticks" \
    'BEGIN { printf "| %s | %d | %d | %d | %.0f | %.2f |\n", n, calls, c, m, rate, used * 1000000 / ticks / calls }'
}

echo '| server | calls | connections | streams each | calls/s | server CPU µs/call |'
echo '|---|---:|---:|---:|---:|---:|'
for round in 1 2; do
  run project "$project"
  run bare "$bare"
done
