#!/usr/bin/env bash
# Decodes a Prometheus protobuf exposition (length-delimited
# io.prometheus.client.MetricFamily messages) with Go's reference decoder
# (prometheus/common's expfmt and client_model, from Debian's packages) and
# checks what Prometheus checks of it. Built once, offline, in GOPATH mode;
# `scripts/install-validators.sh --go` installs what the build needs.
#
# usage: go-proto-check.sh [-dump] FILE
#   prints `OK families=.. metrics=.. native=.. classic=..` (exit 0), or `FAIL`
#   lines (exit 1); with -dump one JSON line per metric first (native buckets
#   as [lower, upper, count], and "pos"/"neg" index -> count maps).
# env: GO_PROTO_CHECK_BIN  where to keep the built binary
set -eu
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$here/go-proto-check"
bin="${GO_PROTO_CHECK_BIN:-${TMPDIR:-/tmp}/otel-expfmt-go-proto-check/go-proto-check}"
if [ ! -x "$bin" ] || [ "$src/main.go" -nt "$bin" ]; then
  command -v go >/dev/null || { echo "FAIL go is not installed (scripts/install-validators.sh --go)"; exit 2; }
  mkdir -p "$(dirname "$bin")"
  (cd "$src" &&
    GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= GOPROXY=off \
      GOCACHE="${GOCACHE:-${TMPDIR:-/tmp}/otel-expfmt-go-cache}" go build -o "$bin" main.go) >&2
fi
exec "$bin" "$@"
