#!/usr/bin/env bash
# End-to-end: a real Prometheus server scrapes `examples/serve.rs` twice over
# (job `om`: Prometheus' default Accept, i.e. OpenMetrics; job `text`: forced to
# text 0.0.4 with `?format=prometheus`), then the values are read back through
# Prometheus' HTTP API and compared with what the example recorded:
#
#   demo_e2e_checks_total{path="C:\\tmp\\\"quoted\"\nline2 ünïcødé"}   42
#   demo_e2e_latency_seconds{case="known"}  buckets le=0.125:1 0.5:3 1:3 5:4 +Inf:5,
#                                           sum 10.0625, count 5
#
# plus target health (`up`, empty lastError), both scopes of `demo_requests_total`,
# `target_info`, zero scrape-problem counters, and the example's HTTP behaviour
# (404, 405 + Allow, HEAD, 400 for malformed requests, forced formats).
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
serve_pid="" prom_pid=""
cleanup() {
  local rc=$?
  if [ -n "$prom_pid" ]; then kill "$prom_pid" 2>/dev/null || true; wait "$prom_pid" 2>/dev/null || true; fi
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

# --- Prometheus -----------------------------------------------------------------
pport="$(freeport)"
cat >"$tmp/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: om
    metrics_path: /metrics
    static_configs:
      - targets: ['127.0.0.1:$sport']
  - job_name: text
    metrics_path: /metrics
    params:
      format: [prometheus]
    static_configs:
      - targets: ['127.0.0.1:$sport']
EOF
prometheus --config.file="$tmp/prometheus.yml" \
  --web.listen-address="127.0.0.1:$pport" \
  --storage.tsdb.path="$tmp/data" \
  --log.level=debug >"$tmp/prometheus.log" 2>&1 &
prom_pid=$!
api="http://127.0.0.1:$pport"
deadline=$(( $(date +%s) + TIMEOUT ))
until curl -fsS -o /dev/null "$api/-/ready" 2>/dev/null; do
  kill -0 "$prom_pid" 2>/dev/null || { echo "e2e: prometheus exited"; tail -20 "$tmp/prometheus.log"; exit 2; }
  [ "$(date +%s)" -lt "$deadline" ] || { echo "e2e: prometheus not ready in ${TIMEOUT}s"; exit 2; }
  sleep 0.2
done

# --- the checks -----------------------------------------------------------------
cat >"$tmp/check.py" <<'PY'
import gzip, http.client, json, socket, subprocess, sys, time, urllib.error, urllib.parse, urllib.request

api, sport, serve_log, deadline = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
GZIP = sys.argv[5] == "1"
started = time.time()
base = "http://127.0.0.1:%d" % sport
PATH = 'C:\\tmp\\"quoted"\nline2 ünïcødé'
BUCKETS = {0.125: 1, 0.5: 3, 1.0: 3, 5.0: 4, float("inf"): 5}
JOBS = ("om", "text")
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

def query(q):
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
PROM_ACCEPT = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
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

# 2. Wait for scrapes of both jobs.
def scrapes(job):
    r = query('count_over_time(up{job="%s"}[10m])' % job)
    return int(float(r[0]["value"][1])) if r else 0

while time.time() < deadline and min(scrapes(j) for j in JOBS) < 3:
    time.sleep(0.5)
for job in JOBS:
    n = scrapes(job)
    check("job %s: scraped at least 3 times" % job, n >= 3, "%d scrapes" % n)

# 2b. Slow clients, once Prometheus scrapes both jobs: more idle connections
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
_, _, body = get(api + "/api/v1/targets")
targets = {t["labels"]["job"]: t for t in json.loads(body)["data"]["activeTargets"]}
for job in JOBS:
    t = targets.get(job, {})
    check("job %s: health up, empty lastError" % job, t.get("health") == "up" and t.get("lastError") == "",
          "health=%r lastError=%r" % (t.get("health"), t.get("lastError")))

# 3b. Every scrape of both jobs while the idle connections were held (and
# since the start) succeeded.
window = int(time.time() - hold_start) + 1
for job in JOBS:
    r = query('min_over_time(up{job="%s"}[%ds])' % (job, window))
    n = query('count_over_time(up{job="%s"}[%ds])' % (job, window))
    check("job %s: every scrape up while idle connections were held" % job,
          len(r) == 1 and float(r[0]["value"][1]) == 1.0 and len(n) == 1 and float(n[0]["value"][1]) >= 3,
          json.dumps(r) + json.dumps(n))

# 4. Values recorded by the example, read back through Prometheus.
def labels(r):
    m = dict(r["metric"])
    for k in ("__name__", "job", "instance"):
        m.pop(k, None)
    return m

for job in JOBS:
    r = query('demo_e2e_checks_total{job="%s"}' % job)
    check("job %s: one demo_e2e_checks_total series" % job, len(r) == 1, json.dumps(r))
    if r:
        check("job %s: counter value 42" % job, float(r[0]["value"][1]) == 42.0, r[0]["value"][1])
        got = labels(r[0]).get("path")
        check("job %s: path label exactly as recorded (quotes, backslashes, newline, UTF-8)" % job, got == PATH,
              "%r != %r" % (got, PATH))
        check("job %s: scope label demo.shop" % job, labels(r[0]).get("otel_scope_name") == "demo.shop", json.dumps(labels(r[0])))
    r = query('demo_e2e_latency_seconds_bucket{job="%s",case="known"}' % job)
    got = {float(x["metric"]["le"]): float(x["value"][1]) for x in r}
    check("job %s: histogram buckets" % job, got == {k: float(v) for k, v in BUCKETS.items()}, repr(got))
    r = query('demo_e2e_latency_seconds_sum{job="%s",case="known"}' % job)
    check("job %s: histogram sum 10.0625" % job, len(r) == 1 and float(r[0]["value"][1]) == 10.0625, json.dumps(r))
    r = query('demo_e2e_latency_seconds_count{job="%s",case="known"}' % job)
    check("job %s: histogram count 5" % job, len(r) == 1 and float(r[0]["value"][1]) == 5.0, json.dumps(r))
    r = query('count by (otel_scope_name) (demo_requests_total{job="%s"})' % job)
    scopes = sorted(x["metric"].get("otel_scope_name", "") for x in r)
    check("job %s: demo_requests_total from both scopes" % job, scopes == ["demo.billing", "demo.shop"], repr(scopes))
    r = query('target_info{job="%s"}' % job)
    check("job %s: target_info with service_name" % job,
          len(r) == 1 and r[0]["metric"].get("service_name") == "otel-expfmt-demo", json.dumps(r))
    r = query('demo_temperature_celsius{job="%s"}' % job)
    rooms = sorted(x["metric"].get("room", "") for x in r)
    check("job %s: gauge label values with quotes/newline/UTF-8" % job, rooms == sorted(['K\u00fcche', 'Server "A"', 'line1\nline2']), repr(rooms))

# 5. Prometheus saw no duplicate, out-of-order or out-of-bounds samples.
_, _, body = get(api + "/metrics")
problems = []
for line in body.decode().splitlines():
    if line.startswith("prometheus_target_scrapes_") and not line.startswith("#"):
        name, value = line.rsplit(" ", 1)
        if float(value) != 0:
            problems.append(line)
check("no scrape-problem counters in Prometheus", not problems, "; ".join(problems))

# 6. Each job got the format it asked for (the example logs every request).
log = open(serve_log, encoding="utf-8", errors="replace").read()
check("job om was served OpenMetrics", "GET /metrics -> 200 OK " + OM_CT in log)
check("job text was served text 0.0.4", "GET /metrics?format=prometheus -> 200 OK " + TEXT_CT in log)
import re
coding = "gzip" if GZIP else "identity"
check("Prometheus' scrapes were answered in %s" % coding,
      re.search(r"GET /metrics\?format=prometheus -> 200 OK " + re.escape(TEXT_CT) + r" \d+ bytes " + coding, log) is not None
      and re.search(r"GET /metrics -> 200 OK " + re.escape(OM_CT) + r" \d+ bytes " + coding, log) is not None)

print("prometheus e2e: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY

status=0
case " ${E2E_FEATURES-gzip} " in *gzip*) gzip=1 ;; *) gzip=0 ;; esac
python3 "$tmp/check.py" "$api" "$sport" "$tmp/serve.log" "$deadline" "$gzip" || status=$?
if [ "$status" != 0 ]; then
  echo "--- prometheus scrape warnings"
  grep -E 'level=(warn|error)' "$tmp/prometheus.log" | tail -10 || true
  echo "--- example log (tail)"
  tail -10 "$tmp/serve.log" || true
fi
exit "$status"
