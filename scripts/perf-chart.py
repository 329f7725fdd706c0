#!/usr/bin/env python3
"""Draws docs/performance.svg, and prints the README's table of ratios, from
the criterion results of `benches/compare`.

usage:
    cargo bench --manifest-path benches/compare/Cargo.toml --bench compare
    python3 scripts/perf-chart.py [CRITERION_DIR] [SVG_PATH]

CRITERION_DIR defaults to target/criterion, SVG_PATH to docs/performance.svg.
For each workload and each comparison it reads the median time of both
contestants (`<workload>/<contestant>/new/estimates.json`), draws them as
bars on a logarithmic time axis, and prints one Markdown row per comparison:
the other library's time over otel-expfmt's. A workload or contestant
without results is left out (and said so on stderr). Standard library only.
"""
import json
import math
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
WORKLOADS = [
    ("w1_counters_1000", "W1: 1,000 counter series"),
    ("w2_histograms_1000", "W2: 1,000 histogram series"),
    ("w3_mixed_10000", "W3: 10,000 mixed series"),
]
# (label, ours, theirs, their name)
COMPARISONS = [
    (
        "full scrape, text",
        "otel_expfmt/scrape_text",
        "opentelemetry_prometheus/scrape_text",
        "opentelemetry-prometheus",
    ),
    (
        "encode, OpenMetrics",
        "otel_expfmt/encode_openmetrics",
        "prometheus_client/encode_openmetrics",
        "prometheus-client",
    ),
    (
        "encode, protobuf",
        "otel_expfmt/encode_protobuf",
        "opentelemetry_prometheus/protobuf_encoder_only",
        "prometheus ProtobufEncoder",
    ),
]
OURS_COLOR, THEIRS_COLOR = "#2b6cb0", "#c05621"


def median_ns(directory, workload, contestant):
    """The criterion median of one benchmark in nanoseconds, or None."""
    path = directory / workload / contestant.replace("/", "_") / "new" / "estimates.json"
    try:
        return json.loads(path.read_text())["median"]["point_estimate"]
    except (OSError, KeyError, ValueError):
        return None


def human(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.0f} µs"
    return f"{ns:.0f} ns"


def escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def main():
    directory = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "target" / "criterion"
    svg_path = pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "docs" / "performance.svg"
    rows = []  # (workload title, comparison label, ours ns, theirs ns, their name)
    for workload, title in WORKLOADS:
        for label, ours, theirs, name in COMPARISONS:
            a, b = median_ns(directory, workload, ours), median_ns(directory, workload, theirs)
            if a is None or b is None:
                print(f"perf-chart: no results for {workload} {label}", file=sys.stderr)
                continue
            rows.append((title, label, a, b, name))
    if not rows:
        print(f"perf-chart: no criterion results under {directory}", file=sys.stderr)
        return 1

    # The README's table: one row per comparison, one column per workload.
    titles = [t for _, t in WORKLOADS]
    print("| otel-expfmt against | " + " | ".join(t.split(":")[0] for t in titles) + " |")
    print("|---|" + "---|" * len(titles))
    for label, _, _, name in COMPARISONS:
        cells = []
        for title in titles:
            hit = [r for r in rows if r[0] == title and r[1] == label]
            cells.append(f"{hit[0][3] / hit[0][2]:.1f}× faster" if hit else "–")
        print(f"| {name} ({label}) | " + " | ".join(cells) + " |")

    # The chart: a group of bars per workload, two bars per comparison.
    width, left, right, bar, gap = 900, 250, 110, 14, 6
    low = min(min(r[2], r[3]) for r in rows) / 2
    high = max(max(r[2], r[3]) for r in rows) * 2
    span = math.log10(high) - math.log10(low)

    def x(ns):
        return left + (math.log10(ns) - math.log10(low)) / span * (width - left - right)

    parts, y = [], 40
    for title in titles:
        group = [r for r in rows if r[0] == title]
        if not group:
            continue
        parts.append(f'<text x="10" y="{y + 12}" font-weight="bold">{escape(title)}</text>')
        y += 22
        for _, label, ours, theirs, name in group:
            for who, ns, color in (("otel-expfmt", ours, OURS_COLOR), (name, theirs, THEIRS_COLOR)):
                parts.append(
                    f'<text x="{left - 8}" y="{y + bar - 3}" text-anchor="end">'
                    f"{escape(label)}: {escape(who)}</text>"
                )
                parts.append(
                    f'<rect x="{left}" y="{y}" width="{x(ns) - left:.1f}" height="{bar}" fill="{color}"/>'
                )
                parts.append(f'<text x="{x(ns) + 4:.1f}" y="{y + bar - 3}">{human(ns)}</text>')
                y += bar + 2
            parts.append(
                f'<text x="{width - 8}" y="{y - bar + 1}" text-anchor="end" font-weight="bold">'
                f"{theirs / ours:.1f}×</text>"
            )
            y += gap
        y += 10
    # Decades of the log axis.
    axis_y = y
    decade = 10 ** math.ceil(math.log10(low))
    while decade < high:
        px = x(decade)
        parts.append(f'<line x1="{px:.1f}" y1="30" x2="{px:.1f}" y2="{axis_y}" stroke="#ddd"/>')
        parts.append(f'<text x="{px:.1f}" y="{axis_y + 14}" text-anchor="middle">{human(decade)}</text>')
        decade *= 10
    height = axis_y + 30
    header = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="12">'
        f'<rect width="{width}" height="{height}" fill="white"/>'
        f'<text x="10" y="20" font-size="14" font-weight="bold">'
        f"Time per scrape or encode (criterion medians, log scale; shorter is faster)</text>"
    )
    # Grid lines first, so that the bars are drawn over them.
    grid = [p for p in parts if p.startswith("<line")]
    rest = [p for p in parts if not p.startswith("<line")]
    svg_path.parent.mkdir(parents=True, exist_ok=True)
    svg_path.write_text(header + "".join(grid + rest) + "</svg>\n", encoding="utf-8")
    print(f"\nwrote {svg_path.relative_to(ROOT) if svg_path.is_relative_to(ROOT) else svg_path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
