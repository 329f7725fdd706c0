#!/usr/bin/env bash
# Checks every exposition file under a directory with independent parsers.
#
# usage: validate-expositions.sh [DIR]
#   DIR defaults to $OTEL_EXPFMT_EXPOSITIONS, else target/expositions (where the
#   golden tests write their outputs).
#
#   *.prom (text format 0.0.4): `promtool check metrics` (exit 1 = failure;
#          exit 3 = lint findings only, reported but passing) and
#          prometheus_client's 0.0.4 parser.
#   *.om   (OpenMetrics 1.0):   prometheus_client's OpenMetrics parser.
#   *.pb   (Prometheus protobuf): Go's reference decoder with Prometheus'
#          checks (scripts/go-proto-check.sh); WARN lines are reported but pass.
#          *.utf8.pb (UTF-8 names) are skipped: Debian's decoder predates them.
#   *.utf8.prom / *.utf8.om hold quoted UTF-8 names (escaping=allow-utf-8):
#          promtool before 3.0 cannot parse those, so it is skipped there (with
#          a SKIP line); the Python parsers still check them.
#
# Prints one line per file and validator, then a summary. Exits 1 if any check
# failed, if a validator is missing, or if DIR holds no such file at all (a
# gate that checks nothing must not pass); 2 on a usage error.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dir="${1:-${OTEL_EXPFMT_EXPOSITIONS:-target/expositions}}"
if [ $# -gt 1 ]; then
  sed -n '2,15p' "$0" >&2
  exit 2
fi

checked=0
failed=0
report() { # status validator file detail
  printf '%-4s %-16s %s%s\n' "$1" "$2" "$3" "${4:+  ($4)}"
  checked=$((checked + 1))
  [ "$1" = FAIL ] && failed=$((failed + 1))
  return 0
}
one_line() { awk 'NF { printf "%s%s", sep, $0; sep = "; " }' | cut -c1-300; }

have_promtool=0
promtool_utf8=0
if command -v promtool >/dev/null 2>&1; then
  have_promtool=1
  # "promtool, version 2.42.0+ds (...)": quoted UTF-8 names parse from 3.0 on.
  major="$(promtool --version 2>&1 | sed -n 's/.*version \([0-9][0-9]*\)\..*/\1/p' | head -n 1)"
  [ "${major:-0}" -ge 3 ] && promtool_utf8=1
fi
have_python=0
python3 -c 'import prometheus_client' >/dev/null 2>&1 && have_python=1

check_python() { # prom|om file
  if [ "$have_python" = 0 ]; then
    report FAIL "python-$1" "$2" "prometheus_client not importable; run scripts/install-validators.sh"
    return
  fi
  local out
  if out="$(python3 "$here/pyclient-parse.py" "$1" "$2" 2>&1)"; then
    report PASS "python-$1" "$2" "${out#OK }"
  else
    report FAIL "python-$1" "$2" "$(printf '%s' "${out#FAIL }" | one_line)"
  fi
}

check_promtool() { # file
  case "$1" in
    *.utf8.prom)
      if [ "$have_promtool" = 1 ] && [ "$promtool_utf8" = 0 ]; then
        printf '%-4s %-16s %s  (%s)\n' SKIP promtool "$1" "quoted UTF-8 names need promtool 3"
        return
      fi
      ;;
  esac
  if [ "$have_promtool" = 0 ]; then
    report FAIL promtool "$1" "promtool not installed; run scripts/install-validators.sh"
    return
  fi
  local out rc
  out="$(promtool check metrics <"$1" 2>&1)"
  rc=$?
  case "$rc" in
    0) report PASS promtool "$1" ;;
    3) report PASS promtool "$1" "lint: $(printf '%s' "$out" | one_line)" ;;
    *) report FAIL promtool "$1" "exit $rc: $(printf '%s' "$out" | one_line)" ;;
  esac
}

check_go() { # file
  local out
  if out="$("$here/go-proto-check.sh" "$1" 2>&1)"; then
    local warns
    warns="$(printf '%s\n' "$out" | grep '^WARN' | one_line)"
    report PASS go-proto "$1" "$(printf '%s\n' "$out" | grep '^OK' | sed 's/^OK //')${warns:+; $warns}"
  else
    report FAIL go-proto "$1" "$(printf '%s' "$out" | one_line)"
  fi
}

if [ ! -d "$dir" ]; then
  echo "FAIL no directory $dir (nothing was validated)"
  exit 1
fi

files=0
while IFS= read -r -d '' file; do
  files=$((files + 1))
  case "$file" in
    *.prom)
      check_promtool "$file"
      check_python prom "$file"
      ;;
    *.om)
      check_python om "$file"
      ;;
    *.utf8.pb)
      # Debian 12's prometheus/common (0.39) predates UTF-8 names.
      printf '%-4s %-16s %s  (%s)\n' SKIP go-proto "$file" "UTF-8 names need a newer prometheus/common"
      ;;
    *.pb)
      check_go "$file"
      ;;
  esac
done < <(find "$dir" -type f \( -name '*.prom' -o -name '*.om' -o -name '*.pb' \) -print0 | sort -z)

if [ "$files" -eq 0 ]; then
  echo "FAIL no *.prom, *.om or *.pb files under $dir (nothing was validated)"
  exit 1
fi
echo "validated $files files under $dir: $checked checks, $failed failed"
[ "$failed" -eq 0 ]
