#!/usr/bin/env bash
# End-to-end: two real Prometheus servers scrape `examples/serve.rs` at once,
# then the values are read back through their HTTP APIs and compared with
# what the example recorded.
#
#   server `plain`: job `om` with Prometheus' default Accept, i.e. OpenMetrics;
#     job `text` forced to text 0.0.4 with `?format=prometheus`.
#   server `native` (`--enable-feature=native-histograms`): job `native` with
#     its default Accept, which then names the delimited protobuf exposition
#     first; exponential histograms must arrive as native histograms.
#
# Every job must read back
#
#   demo_e2e_checks_total{path="C:\\tmp\\\"quoted\"\nline2 ünïcødé"}   42
#   demo_e2e_latency_seconds{case="known"}  buckets le=0.125:1 0.5:3 1:3 5:4 +Inf:5,
#                                           sum 10.0625, count 5
#
# and the exponential histogram `demo_e2e_sizes_bytes{case="known"}` (values
# 0, 0, 1, 3, 3, 4, 100, -1, -3, -10 at scale 2, see examples/serve.rs).
# Job `native` stores it as a native histogram of schema 2: a positive bucket
# i holds (2^((i-1)/4), 2^(i/4)], a negative bucket i holds
# [-2^(i/4), -2^((i-1)/4)), and with the zero bucket [-2^-128, 2^-128] that
# gives exactly
#
#   [-2^3.5, -2^3.25): 1   [-2^1.75, -2^1.5): 1   [-1, -2^-0.25): 1
#   [-2^-128, 2^-128]: 2   (2^-0.25, 1]: 1   (2^1.5, 2^1.75]: 2   (2^1.75, 4]: 1
#   (2^6.5, 2^6.75]: 1,    histogram_count 10, histogram_sum 97,
#
# and no classic series of it. Jobs `om` and `text` store classic buckets in
# which each `le` counts exactly the recorded values at or below it (text
# with `_sum` 97 and `_count` 10; OpenMetrics without them, as a histogram
# with negative bucket bounds must not have a sum).
#
# Also: target health (`up`, empty lastError), both scopes of `demo_requests_total`,
# `target_info`, zero scrape-problem counters, the format each job was served
# (the example logs every request), and the example's HTTP behaviour (404,
# 405 + Allow, HEAD, 400 for malformed requests, forced formats including
# `?format=protobuf`). A protobuf answer to Prometheus 2.42's native-histogram
# Accept header (gzip-compressed when built with the feature) is decoded by
# Go's reference decoder (scripts/go-proto-check.sh; install its build
# dependencies with `scripts/install-validators.sh --go`), which must find
# the same native buckets, by index.
#
# Built with the `gzip` feature (the default here), the example must answer
# Prometheus' `Accept-Encoding: gzip` with gzip, `curl --compressed` too, and
# a client without `Accept-Encoding` with a plain body. Slow clients: while
# more idle connections than the example's 32 slots are held open, a scrape
# must still get 200, and Prometheus' own scrapes must all succeed.
#
# usage: tests/e2e/prometheus.sh        (builds the example with cargo)
# env:   SERVE_BIN=path   use an already built example binary
#        E2E_FEATURES=f   cargo features of the example build (default gzip;
#                         empty: no compression expected)
#        E2E_TIMEOUT=S    seconds to wait for the scrapes (default 90)
#        E2E_KEEP=1       keep the temporary directory (logs, config)
# Everything listens on 127.0.0.1 only; every process started here is stopped
# by its PID. Exit status: 0 all checks passed, 1 a check failed, 2 setup error.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TIMEOUT="${E2E_TIMEOUT:-90}"

if ! command -v prometheus >/dev/null 2>&1; then
  echo "e2e: installing prometheus (Debian package)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends prometheus >/dev/null 2>&1 ||
    { apt-get update >/dev/null && apt-get install -y --no-install-recommends prometheus >/dev/null; } ||
    { echo "e2e: cannot install prometheus"; exit 2; }
fi
echo "e2e: $(prometheus --version 2>&1 | head -1)"

if [ -n "${SERVE_BIN:-}" ]; then
  serve_bin="$SERVE_BIN"
else
  (cd "$ROOT" && cargo build --release --example serve --features "${E2E_FEATURES-gzip}") ||
    { echo "e2e: build failed"; exit 2; }
  serve_bin="$ROOT/target/release/examples/serve"
fi
[ -x "$serve_bin" ] || { echo "e2e: no example binary at $serve_bin"; exit 2; }

tmp="$(mktemp -d -t otel-expfmt-e2e.XXXXXX)"
serve_pid=""
prom_pids=()
cleanup() {
  local rc=$? pid
  for pid in "${prom_pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ -n "$serve_pid" ]; then kill "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; fi
  if [ "${E2E_KEEP:-0}" = 1 ]; then echo "e2e: kept $tmp"; else rm -rf "$tmp"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 2' INT TERM

freeport() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

# --- the example server -------------------------------------------------------
sport="$(freeport)"
"$serve_bin" "127.0.0.1:$sport" >"$tmp/serve.out" 2>"$tmp/serve.log" &
serve_pid=$!
for _ in $(seq 100); do
  grep -q '^serving ' "$tmp/serve.out" 2>/dev/null && break
  kill -0 "$serve_pid" 2>/dev/null || { echo "e2e: the example exited"; cat "$tmp/serve.log"; exit 2; }
  sleep 0.1
done

# --- two Prometheus servers, started together -----------------------------------
# start_prometheus NAME [FLAGS...]: runs a server with the scrape jobs in
# $tmp/NAME.jobs, logging to $tmp/NAME.log; sets $api to its address.
start_prometheus() {
  local name="$1" port
  shift
  port="$(freeport)"
  {
    printf 'global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n'
    printf 'scrape_configs:\n'
    cat "$tmp/$name.jobs"
  } >"$tmp/$name.yml"
  prometheus --config.file="$tmp/$name.yml" \
    --web.listen-address="127.0.0.1:$port" \
    --storage.tsdb.path="$tmp/$name-data" \
    --log.level=debug "$@" >"$tmp/$name.log" 2>&1 &
  prom_pids+=("$!")
  api="http://127.0.0.1:$port"
}
# The example ignores `scraper`; it only names the job in the example's log.
cat >"$tmp/plain.jobs" <<EOF
  - job_name: om
    metrics_path: /metrics
    params:
      scraper: [om]
    static_configs:
      - targets: ['127.0.0.1:$sport']
  - job_name: text
    metrics_path: /metrics
    params:
      format: [prometheus]
      scraper: [text]
    static_configs:
      - targets: ['127.0.0.1:$sport']
EOF
cat >"$tmp/native.jobs" <<EOF
  - job_name: native
    metrics_path: /metrics
    params:
      scraper: [native]
    static_configs:
      - targets: ['127.0.0.1:$sport']
EOF
start_prometheus plain
api_plain="$api"
start_prometheus native --enable-feature=native-histograms
api_native="$api"
deadline=$(( $(date +%s) + TIMEOUT ))
for api in "$api_plain" "$api_native"; do
  until curl -fsS -o /dev/null "$api/-/ready" 2>/dev/null; do
    for pid in "${prom_pids[@]}"; do
      kill -0 "$pid" 2>/dev/null || { echo "e2e: prometheus exited"; tail -n 20 "$tmp"/plain.log "$tmp"/native.log; exit 2; }
    done
    [ "$(date +%s)" -lt "$deadline" ] || { echo "e2e: prometheus not ready in ${TIMEOUT}s"; exit 2; }
    sleep 0.2
  done
done

# --- the checks -----------------------------------------------------------------
cat >"$tmp/check.py" <<'PY'
import gzip, http.client, json, math, os, re, socket, subprocess, sys, time
import urllib.error, urllib.parse, urllib.request

(api_plain, api_native, sport, serve_log, deadline, gzip_flag, tmp, root) = sys.argv[1:9]
sport, deadline, GZIP = int(sport), float(deadline), gzip_flag == "1"
base = "http://127.0.0.1:%d" % sport
PATH = 'C:\\tmp\\"quoted"\nline2 ünïcødé'
BUCKETS = {0.125: 1, 0.5: 3, 1.0: 3, 5.0: 4, float("inf"): 5}
# Which Prometheus server scrapes each job.
JOBS = {"om": api_plain, "text": api_plain, "native": api_native}

# demo.e2e.sizes as recorded by the example, and its native buckets at schema
# 2 (base 2^(1/4)): positive index i holds (2^((i-1)/4), 2^(i/4)], negative
# index i holds [-2^(i/4), -2^((i-1)/4)); value v != 0 is in index
# ceil(4 log2 |v|): 1 -> 0, 3 -> 7 (4 log2 3 = 6.34), 4 -> 8 (exactly 2^(8/4),
# an upper edge), 100 -> 27 (26.58), 10 -> 14 (13.29).
SIZES = [0.0, 0.0, 1.0, 3.0, 3.0, 4.0, 100.0, -1.0, -3.0, -10.0]
SIZES_POS = {0: 1, 7: 2, 8: 1, 27: 1}
SIZES_NEG = {0: 1, 7: 1, 14: 1}
SIZES_ZERO = 2
ZERO_THRESHOLD = 2.0 ** -128
edge = lambda i: 2.0 ** (i / 4)
# Prometheus' API lists a native histogram's buckets as [rule, left, right,
# count], from the most negative up; rule 0: (left, right], 1: [left, right),
# 3: [left, right] (the zero bucket).
SIZES_BUCKETS = (
    [(1, -edge(i), -edge(i - 1), n) for i, n in sorted(SIZES_NEG.items(), reverse=True)]
    + [(3, -ZERO_THRESHOLD, ZERO_THRESHOLD, SIZES_ZERO)]
    + [(0, edge(i - 1), edge(i), n) for i, n in sorted(SIZES_POS.items())]
)

passed = failed = 0

def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok   " + name)
    else:
        failed += 1
        print("FAIL " + name + (": " + detail if detail else ""))

def get(url, headers=None, method="GET"):
    req = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()
    except (OSError, http.client.HTTPException) as e:
        return 0, {"error": repr(e)}, b""

def query(q, api):
    _, _, body = get(api + "/api/v1/query?" + urllib.parse.urlencode({"query": q}))
    try:
        d = json.loads(body)
    except ValueError:
        d = {"error": body[:200]}
    if d.get("status") != "success":
        raise RuntimeError("query %s: %s" % (q, d.get("error")))
    return d["data"]["result"]

def raw_response(data):
    """Sends raw bytes, returns the whole answer."""
    s = socket.create_connection(("127.0.0.1", sport), timeout=10)
    try:
        s.sendall(data)
    except OSError:
        pass
    out = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except OSError:
        pass
    s.close()
    return out

def raw(data):
    """Sends raw bytes, returns the status line of the answer."""
    return raw_response(data).split(b"\r\n", 1)[0].decode("latin-1")

def split_response(out):
    head, _, body = out.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:] if ":" in l)}
    return lines[0], headers, body

# 1. The example's HTTP behaviour.
OM_CT = "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=underscores"
TEXT_CT = "text/plain; version=0.0.4; charset=utf-8; escaping=underscores"
PROTO_CT = ("application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited; "
            "escaping=underscores")
PROM_ACCEPT = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
               "text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
# What Prometheus 2.40 to 2.48 send with --enable-feature=native-histograms
# (scrapeAcceptHeaderWithProtobuf in their scrape/scrape.go).
PROM_NATIVE_ACCEPT = ("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,"
                      "application/openmetrics-text;version=1.0.0;q=0.8,application/openmetrics-text;version=0.0.1;q=0.75,"
                      "text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
st, h, body = get(base + "/metrics", {"Accept": PROM_ACCEPT})
check("GET with Prometheus' Accept: 200 OpenMetrics", st == 200 and h.get("Content-Type") == OM_CT, "%s %s" % (st, h.get("Content-Type")))
check("OpenMetrics body ends with # EOF", body.endswith(b"# EOF\n"), repr(body[-40:]))
check("Content-Length matches the body", h.get("Content-Length") == str(len(body)))
check("Connection: close", h.get("Connection", "").lower() == "close")
st, h, body = get(base + "/metrics?format=prometheus", {"Accept": PROM_ACCEPT})
check("?format=prometheus forces text 0.0.4", st == 200 and h.get("Content-Type") == TEXT_CT, "%s %s" % (st, h.get("Content-Type")))
check("text 0.0.4 body has no # EOF", b"# EOF" not in body)
st, h, _ = get(base + "/metrics?format=openmetrics")
check("?format=openmetrics forces OpenMetrics", st == 200 and h.get("Content-Type") == OM_CT, "%s %s" % (st, h.get("Content-Type")))
st, h, body = get(base + "/metrics?format=protobuf", {"Accept": PROM_ACCEPT})
check("?format=protobuf forces protobuf", st == 200 and h.get("Content-Type") == PROTO_CT and len(body) > 0,
      "%s %s" % (st, h.get("Content-Type")))
st, h, _ = get(base + "/metrics")
check("no Accept: text 0.0.4", st == 200 and h.get("Content-Type") == TEXT_CT, "%s %s" % (st, h.get("Content-Type")))
st, h, body = get(base + "/metrics", method="HEAD")
check("HEAD: 200, Content-Length, no body", st == 200 and int(h.get("Content-Length", "0")) > 0 and body == b"", "%s %s" % (st, h))
st, _, _ = get(base + "/other")
check("unknown path: 404", st == 404, str(st))
st, h, _ = get(base + "/metrics", method="POST")
check("POST: 405 with Allow: GET, HEAD", st == 405 and h.get("Allow") == "GET, HEAD", "%s %s" % (st, h.get("Allow")))
st, _, _ = get(base + "/metrics?format=xml")
check("unknown ?format: 400", st == 400, str(st))
for name, data in [
    ("bad request line", b"GARBAGE\r\n\r\n"),
    ("unsupported version", b"GET /metrics HTTP/2.0\r\n\r\n"),
    ("header section > 8 KiB", b"GET /metrics HTTP/1.1\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n"),
    ("non-UTF-8 header", b"GET /metrics HTTP/1.1\r\nX-Bin: \xff\xfe\r\n\r\n"),
    ("header without colon", b"GET /metrics HTTP/1.1\r\nnocolon\r\n\r\n"),
]:
    line = raw(data)
    check("400 for " + name, line.startswith("HTTP/1.1 400"), line)

# 1b. Compression.
st, h, body = get(base + "/metrics", {"Accept": PROM_ACCEPT, "Accept-Encoding": "gzip"})
check("Vary: Accept, Accept-Encoding", h.get("Vary") == "Accept, Accept-Encoding", repr(h.get("Vary")))
check("Content-Length matches the (compressed) body", h.get("Content-Length") == str(len(body)))
if GZIP:
    check("Accept-Encoding: gzip gets Content-Encoding: gzip", st == 200 and h.get("Content-Encoding") == "gzip", "%s %s" % (st, h))
    try:
        plain = gzip.decompress(body)
    except Exception as e:  # noqa: BLE001 - reported as a failed check
        plain = b""
        check("gzip body decompresses", False, repr(e))
    check("gzip body is OpenMetrics ending with # EOF", plain.endswith(b"# EOF\n") and b"demo_e2e_checks_total" in plain, repr(plain[-40:]))
    check("gzip body is smaller", 0 < len(body) < len(plain), "%d vs %d" % (len(body), len(plain)))
else:
    check("without the gzip feature: no Content-Encoding", "Content-Encoding" not in h, repr(h))
status_line, rh, rbody = split_response(raw_response(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"))
check("no Accept-Encoding: 200, no Content-Encoding, a plain body",
      status_line.startswith("HTTP/1.1 200") and "content-encoding" not in rh and b"demo_e2e_checks_total" in rbody
      and rh.get("content-length") == str(len(rbody)), "%s %s" % (status_line, rh))
try:
    curl = subprocess.run(["curl", "-sS", "--compressed", "-D", "-", base + "/metrics"], capture_output=True, timeout=20)
    head, _, cbody = curl.stdout.partition(b"\r\n\r\n")
    coding = [l for l in head.decode("latin-1").lower().split("\r\n") if l.startswith("content-encoding:")]
    check("curl --compressed: a valid text body", curl.returncode == 0 and b"demo_e2e_checks_total" in cbody and b"# EOF" not in cbody,
          "exit %d, %r" % (curl.returncode, curl.stderr[:200]))
    check("curl --compressed: gzip on the wire" if GZIP else "curl --compressed: identity on the wire",
          coding == (["content-encoding: gzip"] if GZIP else []), repr(coding))
except (OSError, subprocess.SubprocessError) as e:
    check("curl --compressed", False, repr(e))

# 1c. Protobuf as Prometheus with native histograms asks for it, read by Go's
# reference decoder: the native buckets of demo_e2e_sizes_bytes by index.
st, h, body = get(base + "/metrics", {"Accept": PROM_NATIVE_ACCEPT, "Accept-Encoding": "gzip"})
check("native-histogram Accept: 200 protobuf", st == 200 and h.get("Content-Type") == PROTO_CT, "%s %s" % (st, h.get("Content-Type")))
check("protobuf answer: Content-Length matches", h.get("Content-Length") == str(len(body)))
check("protobuf answer: Content-Encoding %s" % ("gzip" if GZIP else "absent"),
      h.get("Content-Encoding") == ("gzip" if GZIP else None), repr(h.get("Content-Encoding")))
try:
    pb = gzip.decompress(body) if GZIP else body
except Exception as e:  # noqa: BLE001 - reported as a failed check
    pb = b""
    check("protobuf answer decompresses", False, repr(e))
pb_path = os.path.join(tmp, "answer.pb")
with open(pb_path, "wb") as f:
    f.write(pb)
try:
    go = subprocess.run([os.path.join(root, "scripts", "go-proto-check.sh"), "-dump", pb_path],
                        capture_output=True, text=True, timeout=300)
    verdict = [l for l in go.stdout.splitlines() if not l.startswith("{")]
    check("Go's decoder accepts the protobuf answer", go.returncode == 0 and verdict[-1:] and verdict[-1].startswith("OK"),
          "exit %d: %s %s" % (go.returncode, " | ".join(verdict[-5:]), go.stderr[-300:]))
    dumped = [json.loads(l) for l in go.stdout.splitlines() if l.startswith("{")]
    sizes = [m for m in dumped if m["family"] == "demo_e2e_sizes_bytes" and m["labels"].get("case") == "known"]
    hist = sizes[0]["histogram"] if len(sizes) == 1 else {}
    want = {"native": True, "schema": 2, "count": 10, "sum": 97, "zero_count": SIZES_ZERO,
            "zero_threshold": ZERO_THRESHOLD,
            "pos": {str(k): v for k, v in SIZES_POS.items()}, "neg": {str(k): v for k, v in SIZES_NEG.items()}}
    got = {k: hist.get(k) for k in want}
    check("Go reads demo_e2e_sizes_bytes: schema 2, count 10, sum 97, the expected buckets by index", got == want,
          "%s != %s" % (got, want))
except (OSError, subprocess.SubprocessError, ValueError, KeyError) as e:
    check("Go's decoder on the protobuf answer", False, repr(e))

# 2. Wait for scrapes of every job.
def scrapes(job):
    r = query('count_over_time(up{job="%s"}[10m])' % job, JOBS[job])
    return int(float(r[0]["value"][1])) if r else 0

while time.time() < deadline and min(scrapes(j) for j in JOBS) < 3:
    time.sleep(0.5)
for job in JOBS:
    n = scrapes(job)
    check("job %s: scraped at least 3 times" % job, n >= 3, "%d scrapes" % n)

# 2b. Slow clients, once Prometheus scrapes every job: more idle connections
# than slots, half of them trickling a partial head. A scrape must still be
# answered, without waiting for the idle ones' head deadline.
IDLE = 40
idle = []
for i in range(IDLE):
    try:
        s = socket.create_connection(("127.0.0.1", sport), timeout=10)
        if i % 2:
            s.sendall(b"GET /metrics HTTP/1.1\r\nX-Slow: ")
        idle.append(s)
    except OSError:
        pass
time.sleep(0.3)
hold_start = time.time()
t0 = time.time()
st, h, body = get(base + "/metrics", {"Accept": PROM_ACCEPT, "Accept-Encoding": "gzip"})
took = time.time() - t0
print("slow clients: %d idle connections held, a scrape took %.3f s (status %s)" % (len(idle), took, st))
check("scrape answered (200) while %d idle connections are held" % IDLE, st == 200 and len(body) > 0, "%s after %.3f s" % (st, took))
# Keep holding (refreshing any that were closed) over a few of Prometheus'
# 1 s scrapes; they must all succeed (checked in section 3b).
while time.time() - hold_start < 4:
    for i, s in enumerate(idle):
        try:
            s.setblocking(False)
            closed = s.recv(1) == b""
        except BlockingIOError:
            closed = False
        except OSError:
            closed = True
        if closed:
            s.close()
            try:
                idle[i] = socket.create_connection(("127.0.0.1", sport), timeout=10)
            except OSError:
                pass
    time.sleep(0.2)
for s in idle:
    s.close()

# 3. Target health.
targets = {}
for api in sorted(set(JOBS.values())):
    _, _, body = get(api + "/api/v1/targets")
    targets.update({t["labels"]["job"]: t for t in json.loads(body)["data"]["activeTargets"]})
for job in JOBS:
    t = targets.get(job, {})
    check("job %s: health up, empty lastError" % job, t.get("health") == "up" and t.get("lastError") == "",
          "health=%r lastError=%r" % (t.get("health"), t.get("lastError")))

# 3b. Every scrape of every job while the idle connections were held (and
# since the start) succeeded.
window = int(time.time() - hold_start) + 1
for job, api in JOBS.items():
    r = query('min_over_time(up{job="%s"}[%ds])' % (job, window), api)
    n = query('count_over_time(up{job="%s"}[%ds])' % (job, window), api)
    check("job %s: every scrape up while idle connections were held" % job,
          len(r) == 1 and float(r[0]["value"][1]) == 1.0 and len(n) == 1 and float(n[0]["value"][1]) >= 3,
          json.dumps(r) + json.dumps(n))

# 4. Values recorded by the example, read back through Prometheus.
def labels(r):
    m = dict(r["metric"])
    for k in ("__name__", "job", "instance"):
        m.pop(k, None)
    return m

for job, api in JOBS.items():
    r = query('demo_e2e_checks_total{job="%s"}' % job, api)
    check("job %s: one demo_e2e_checks_total series" % job, len(r) == 1, json.dumps(r))
    if r:
        check("job %s: counter value 42" % job, float(r[0]["value"][1]) == 42.0, r[0]["value"][1])
        got = labels(r[0]).get("path")
        check("job %s: path label exactly as recorded (quotes, backslashes, newline, UTF-8)" % job, got == PATH,
              "%r != %r" % (got, PATH))
        check("job %s: scope label demo.shop" % job, labels(r[0]).get("otel_scope_name") == "demo.shop", json.dumps(labels(r[0])))
    r = query('demo_e2e_latency_seconds_bucket{job="%s",case="known"}' % job, api)
    got = {float(x["metric"]["le"]): float(x["value"][1]) for x in r}
    check("job %s: histogram buckets" % job, got == {k: float(v) for k, v in BUCKETS.items()}, repr(got))
    r = query('demo_e2e_latency_seconds_sum{job="%s",case="known"}' % job, api)
    check("job %s: histogram sum 10.0625" % job, len(r) == 1 and float(r[0]["value"][1]) == 10.0625, json.dumps(r))
    r = query('demo_e2e_latency_seconds_count{job="%s",case="known"}' % job, api)
    check("job %s: histogram count 5" % job, len(r) == 1 and float(r[0]["value"][1]) == 5.0, json.dumps(r))
    r = query('count by (otel_scope_name) (demo_requests_total{job="%s"})' % job, api)
    scopes = sorted(x["metric"].get("otel_scope_name", "") for x in r)
    check("job %s: demo_requests_total from both scopes" % job, scopes == ["demo.billing", "demo.shop"], repr(scopes))
    r = query('target_info{job="%s"}' % job, api)
    check("job %s: target_info with service_name" % job,
          len(r) == 1 and r[0]["metric"].get("service_name") == "otel-expfmt-demo", json.dumps(r))
    r = query('demo_temperature_celsius{job="%s"}' % job, api)
    rooms = sorted(x["metric"].get("room", "") for x in r)
    check("job %s: gauge label values with quotes/newline/UTF-8" % job, rooms == sorted(['K\u00fcche', 'Server "A"', 'line1\nline2']), repr(rooms))

# 4b. The exponential histogram: native in job native ...
sel = 'demo_e2e_sizes_bytes{job="native",case="known"}'
r = query(sel, api_native)
hist = r[0].get("histogram", [0, {}])[1] if len(r) == 1 else {}
print("job native: %s = %s" % (sel, json.dumps(hist)))
check("job native: demo_e2e_sizes_bytes stored as one native histogram (protobuf was negotiated)",
      len(r) == 1 and "histogram" in r[0] and "value" not in r[0], json.dumps(r))
r = query("histogram_count(%s)" % sel, api_native)
check("job native: histogram_count 10", len(r) == 1 and float(r[0]["value"][1]) == 10.0, json.dumps(r))
r = query("histogram_sum(%s)" % sel, api_native)
check("job native: histogram_sum 97", len(r) == 1 and float(r[0]["value"][1]) == 97.0, json.dumps(r))
got = [(int(b[0]), float(b[1]), float(b[2]), float(b[3])) for b in hist.get("buckets", [])]
# The edges are irrational: equal within rounding (neighbours differ by 19 %).
same = len(got) == len(SIZES_BUCKETS) and all(
    g[0] == w[0] and g[3] == w[3] and math.isclose(g[1], w[1], rel_tol=1e-12) and math.isclose(g[2], w[2], rel_tol=1e-12)
    for g, w in zip(got, SIZES_BUCKETS))
check("job native: native buckets (negative, zero, positive) exactly as recorded", same,
      "got %s, expected %s" % (got, SIZES_BUCKETS))
r = query('{__name__=~"demo_e2e_sizes_bytes_.+",job="native"}', api_native)
check("job native: no classic series of demo_e2e_sizes_bytes", r == [], json.dumps(r)[:300])

# ... and classic buckets in jobs om and text: each `le` counts the values at
# or below it, and consecutive distinct values are told apart.
for job in ("om", "text"):
    r = query('demo_e2e_sizes_bytes_bucket{job="%s",case="known"}' % job, JOBS[job])
    got = sorted((float(x["metric"]["le"]), float(x["value"][1])) for x in r)
    wrong = [(le, n) for le, n in got if n != sum(1 for v in SIZES if v <= le)]
    bounds = [le for le, _ in got]
    distinct = sorted(set(SIZES))
    unresolved = [(a, b) for a, b in zip(distinct, distinct[1:]) if not any(a <= le < b for le in bounds)]
    check("job %s: demo_e2e_sizes_bytes classic buckets count the values <= le" % job,
          len(got) > len(distinct) and got[-1] == (float("inf"), 10.0) and not wrong and not unresolved,
          "wrong %s, unresolved %s, %d buckets" % (wrong, unresolved, len(got)))
r = query('demo_e2e_sizes_bytes_sum{job="text",case="known"}', api_plain)
check("job text: demo_e2e_sizes_bytes_sum 97", len(r) == 1 and float(r[0]["value"][1]) == 97.0, json.dumps(r))
r = query('demo_e2e_sizes_bytes_count{job="text",case="known"}', api_plain)
check("job text: demo_e2e_sizes_bytes_count 10", len(r) == 1 and float(r[0]["value"][1]) == 10.0, json.dumps(r))
r = query('{__name__=~"demo_e2e_sizes_bytes_(sum|count)",job="om"}', api_plain)
check("job om: no _sum or _count for a histogram with negative bounds", r == [], json.dumps(r))

# 5. Neither Prometheus saw duplicate, out-of-order or out-of-bounds samples.
for api in sorted(set(JOBS.values())):
    _, _, body = get(api + "/metrics")
    problems = []
    for line in body.decode().splitlines():
        if line.startswith("prometheus_target_scrapes_") and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            if float(value) != 0:
                problems.append(line)
    servers = [j for j, a in JOBS.items() if a == api]
    check("no scrape-problem counters in the Prometheus of %s" % "/".join(servers), not problems, "; ".join(problems))

# 6. Each job got the format it asked for (the example logs every request).
log = open(serve_log, encoding="utf-8", errors="replace").read()
coding = "gzip" if GZIP else "identity"
for name, target, ctype in [
    ("job om was served OpenMetrics", "/metrics?scraper=om", OM_CT),
    ("job text was served text 0.0.4", "/metrics?format=prometheus&scraper=text", TEXT_CT),
    ("job native was served protobuf", "/metrics?scraper=native", PROTO_CT),
]:
    served = re.findall(r"GET " + re.escape(target) + r" -> 200 OK (.+?) \d+ bytes (\w+) in ", log)
    check(name + " in " + coding, served and set(served) == {(ctype, coding)}, repr(set(served)))

print("prometheus e2e: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY

status=0
case " ${E2E_FEATURES-gzip} " in *gzip*) gzip=1 ;; *) gzip=0 ;; esac
python3 "$tmp/check.py" "$api_plain" "$api_native" "$sport" "$tmp/serve.log" "$deadline" "$gzip" "$tmp" "$ROOT" || status=$?
if [ "$status" != 0 ]; then
  for name in plain native; do
    echo "--- prometheus $name: scrape warnings"
    grep -E 'level=(warn|error)' "$tmp/$name.log" | tail -n 10 || true
  done
  echo "--- example log (tail)"
  tail -n 10 "$tmp/serve.log" || true
fi
exit "$status"
