#!/usr/bin/env python3
"""Check one exposition file with the PyPI prometheus_client parsers.

usage: pyclient-parse.py prom|om FILE

  prom  prometheus_client.parser (Prometheus text format 0.0.4; lenient)
  om    prometheus_client.openmetrics.parser (OpenMetrics 1.0; strict)

Prints "OK families=N samples=M" and exits 0, or "FAIL <error>" and exits 1.
Exits 2 on a usage error or when prometheus_client cannot be imported.
"""
import sys


def load_parser(kind):
    if kind == "prom":
        from prometheus_client.parser import text_string_to_metric_families
    else:
        from prometheus_client.openmetrics.parser import text_string_to_metric_families
    return text_string_to_metric_families


def main(argv):
    if len(argv) != 3 or argv[1] not in ("prom", "om"):
        sys.stderr.write(__doc__)
        return 2
    kind, path = argv[1], argv[2]
    try:
        parse = load_parser(kind)
    except ImportError as err:
        print(f"FAIL prometheus_client is not importable ({err})")
        return 2
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8")
        # The parsers are generators: errors only surface while consuming them.
        families = samples = 0
        for family in parse(text):
            families += 1
            samples += len(family.samples)
    except Exception as err:  # ValueError mostly, but any error is a failed parse
        detail = " ".join(str(err).split())[:300]
        print(f"FAIL {type(err).__name__}: {detail}")
        return 1
    print(f"OK families={families} samples={samples}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
