#!/usr/bin/env bash
# Installs the independent consumers that scripts/validate-expositions.sh runs:
#   - promtool (Debian package `prometheus`, which also brings the server),
#   - the PyPI package `prometheus_client` (its 0.0.4 and OpenMetrics parsers),
#   - with --go: Go and Debian's Prometheus Go libraries, for
#     scripts/go-proto-check.sh (the reference decoder of the protobuf format).
# Idempotent: anything already present is left alone. Needs root (or sudo) for apt.
# Prints one line per component saying what it did.
set -euo pipefail

go=0
for arg in "$@"; do
  case "$arg" in
    --go) go=1 ;;
    *) echo "install-validators: unknown option $arg" >&2; exit 2 ;;
  esac
done

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    echo "install-validators: need root or sudo to run: $*" >&2
    return 1
  fi
}

if command -v promtool >/dev/null 2>&1; then
  echo "promtool: already installed ($(promtool --version 2>&1 | head -n 1))"
else
  echo "promtool: installing Debian package prometheus"
  export DEBIAN_FRONTEND=noninteractive
  # Wait for a dpkg lock held by another installer instead of failing at once.
  as_root apt-get -q -o DPkg::Lock::Timeout=300 update
  as_root apt-get -q -y -o DPkg::Lock::Timeout=300 install --no-install-recommends prometheus
  echo "promtool: installed ($(promtool --version 2>&1 | head -n 1))"
fi

py_version() {
  python3 -c 'import importlib.metadata as m; print(m.version("prometheus_client"))'
}
if python3 -c 'import prometheus_client' >/dev/null 2>&1; then
  echo "prometheus_client: already installed ($(py_version))"
else
  echo "prometheus_client: installing from PyPI"
  if ! python3 -m pip install --quiet prometheus_client; then
    # A Debian system Python refuses pip installs (PEP 668) unless told otherwise.
    echo "prometheus_client: retrying with --break-system-packages"
    python3 -m pip install --quiet --break-system-packages prometheus_client
  fi
  echo "prometheus_client: installed ($(py_version))"
fi

if [ "$go" = 1 ]; then
  if command -v go >/dev/null 2>&1 &&
    [ -d /usr/share/gocode/src/github.com/prometheus/common/expfmt ] &&
    [ -d /usr/share/gocode/src/github.com/prometheus/client_model ]; then
    echo "go: already installed ($(go version))"
  else
    echo "go: installing Debian packages golang-go and the Prometheus Go libraries"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get -q -o DPkg::Lock::Timeout=300 update
    as_root apt-get -q -y -o DPkg::Lock::Timeout=300 install --no-install-recommends \
      golang-go golang-github-prometheus-common-dev golang-github-prometheus-client-model-dev
    echo "go: installed ($(go version))"
  fi
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  "$here/go-proto-check.sh" /dev/null >/dev/null 2>&1 || true
  echo "go-proto-check: built"
fi
