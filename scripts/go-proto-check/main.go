// go-proto-check: decode a Prometheus protobuf exposition (delimited io.prometheus.client.MetricFamily
// messages, the body of Content-Type application/vnd.google.protobuf;
// proto=io.prometheus.client.MetricFamily; encoding=delimited) with the Go reference decoder
// (github.com/prometheus/common/expfmt + client_model), and check what Prometheus requires of it.
//
// Built offline from Debian packages only (golang-go, golang-github-prometheus-common-dev,
// golang-github-prometheus-client-model-dev) in GOPATH mode: see scripts/go-proto-check.sh.
//
// usage: go-proto-check [-dump] [FILE|-]
// Prints "OK families=N metrics=M native=K classic=C" (exit 0) or one "FAIL <reason>" line per
// problem (exit 1). "WARN <reason>" lines do not fail. With -dump, every metric is printed as one
// JSON line; native histograms are expanded into [lower, upper, count] buckets (the zero bucket
// as [-zt, zt, zero_count]), and "pos"/"neg" map each non-empty bucket's index to its count.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"sort"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

var legacyMetric = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
var legacyLabel = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

type out struct {
	Family string            `json:"family"`
	Type   string            `json:"type"`
	Help   string            `json:"help,omitempty"`
	Labels map[string]string `json:"labels"`
	Value  interface{}       `json:"value,omitempty"`
	Hist   *hist             `json:"histogram,omitempty"`
	TsMs   *int64            `json:"timestamp_ms,omitempty"`
}

type hist struct {
	Count   uint64          `json:"count"`
	Sum     interface{}     `json:"sum"`
	Classic [][2]interface{} `json:"classic,omitempty"`
	Native  bool            `json:"native"`
	Schema  int32           `json:"schema"`
	ZeroThr float64         `json:"zero_threshold"`
	ZeroCnt uint64          `json:"zero_count"`
	Buckets [][3]interface{} `json:"buckets,omitempty"`
	Pos     map[int64]int64  `json:"pos,omitempty"`
	Neg     map[int64]int64  `json:"neg,omitempty"`
}

func num(v float64) interface{} {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Sprint(v)
	}
	return v
}

var fails []string
var warns []string

func fail(f string, a ...interface{}) { fails = append(fails, fmt.Sprintf(f, a...)) }
func warn(f string, a ...interface{}) { warns = append(warns, fmt.Sprintf(f, a...)) }

// side expands one side's spans and deltas into (index, absolute count) pairs.
func side(where, name string, spans []*dto.BucketSpan, deltas []int64) ([][2]int64, int64) {
	var res [][2]int64
	n := 0
	for _, s := range spans {
		n += int(s.GetLength())
	}
	if n != len(deltas) {
		fail("%s: %s spans cover %d buckets but there are %d deltas", where, name, n, len(deltas))
		return nil, 0
	}
	idx := int64(0)
	var abs, total int64
	k := 0
	for si, s := range spans {
		if si == 0 {
			idx = int64(s.GetOffset())
		} else {
			if s.GetOffset() < 0 {
				fail("%s: %s span %d has a negative offset %d", where, name, si, s.GetOffset())
			}
			idx += int64(s.GetOffset())
		}
		if s.GetLength() == 0 && len(spans) > 1 {
			warn("%s: %s span %d is empty", where, name, si)
		}
		for j := uint32(0); j < s.GetLength(); j++ {
			abs += deltas[k]
			k++
			if abs < 0 {
				fail("%s: %s bucket %d has a negative count %d", where, name, idx, abs)
			}
			res = append(res, [2]int64{idx, abs})
			total += abs
			idx++
		}
	}
	return res, total
}

func main() {
	dump := flag.Bool("dump", false, "print every metric as a JSON line")
	flag.Parse()
	var r io.Reader = os.Stdin
	if flag.NArg() > 0 && flag.Arg(0) != "-" {
		f, err := os.Open(flag.Arg(0))
		if err != nil {
			fmt.Println("FAIL", err)
			os.Exit(2)
		}
		defer f.Close()
		r = f
	}
	dec := expfmt.NewDecoder(r, expfmt.FmtProtoDelim)
	enc := json.NewEncoder(os.Stdout)
	seenFam := map[string]bool{}
	families, metrics, natives, classics := 0, 0, 0, 0
	for {
		var mf dto.MetricFamily
		if err := dec.Decode(&mf); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			fail("decode after %d families: %v", families, err)
			break
		}
		families++
		name := mf.GetName()
		if name == "" {
			fail("family %d has no name", families)
		}
		if !legacyMetric.MatchString(name) {
			warn("family %q is not a legacy metric name (needs UTF-8 support in the scraper)", name)
		}
		if seenFam[name] {
			fail("family %q appears twice", name)
		}
		seenFam[name] = true
		if len(mf.Metric) == 0 {
			warn("family %q has no metrics (Prometheus skips it)", name)
		}
		seenSet := map[string]bool{}
		familyNative := -1
		for mi, m := range mf.Metric {
			metrics++
			where := fmt.Sprintf("%s[%d]", name, mi)
			labels := map[string]string{}
			keys := []string{}
			for _, lp := range m.Label {
				ln := lp.GetName()
				if ln == "" || ln == "__name__" {
					fail("%s: label name %q", where, ln)
				}
				if !legacyLabel.MatchString(ln) {
					warn("%s: label %q is not a legacy label name", where, ln)
				}
				if _, dup := labels[ln]; dup {
					fail("%s: label %q twice", where, ln)
				}
				labels[ln] = lp.GetValue()
				keys = append(keys, ln+"\xff"+lp.GetValue())
			}
			sort.Strings(keys)
			set := strings.Join(keys, "\xfe")
			if seenSet[set] {
				fail("%s: duplicate label set %v", where, labels)
			}
			seenSet[set] = true
			if m.TimestampMs != nil {
				warn("%s: has a timestamp (pull exporters should not set one)", where)
			}
			o := out{Family: name, Type: mf.GetType().String(), Help: mf.GetHelp(), Labels: labels, TsMs: m.TimestampMs}
			has := 0
			for _, b := range []bool{m.Gauge != nil, m.Counter != nil, m.Summary != nil, m.Untyped != nil, m.Histogram != nil} {
				if b {
					has++
				}
			}
			if has != 1 {
				fail("%s: %d value fields set (want exactly 1)", where, has)
			}
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				if m.Counter == nil {
					fail("%s: COUNTER family without counter value", where)
					break
				}
				v := m.Counter.GetValue()
				if math.IsNaN(v) || v < 0 {
					warn("%s: counter value %v", where, v)
				}
				o.Value = num(v)
			case dto.MetricType_GAUGE:
				if m.Gauge == nil {
					fail("%s: GAUGE family without gauge value", where)
					break
				}
				o.Value = num(m.Gauge.GetValue())
			case dto.MetricType_UNTYPED:
				if m.Untyped == nil {
					fail("%s: UNTYPED family without untyped value", where)
					break
				}
				o.Value = num(m.Untyped.GetValue())
			case dto.MetricType_SUMMARY:
				if m.Summary == nil {
					fail("%s: SUMMARY family without summary value", where)
				}
			case dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM:
				h := m.Histogram
				if h == nil {
					fail("%s: HISTOGRAM family without histogram value", where)
					break
				}
				oh := &hist{Count: h.GetSampleCount(), Sum: num(h.GetSampleSum())}
				if h.GetSampleCountFloat() > 0 || h.GetZeroCountFloat() > 0 || len(h.PositiveCount) > 0 || len(h.NegativeCount) > 0 {
					fail("%s: float-count histogram (Prometheus 2.42 reads it as classic with count 0)", where)
				}
				native := len(h.PositiveSpan) > 0 || len(h.NegativeSpan) > 0 || h.GetZeroThreshold() > 0 || h.GetZeroCount() > 0
				native242 := len(h.PositiveDelta) > 0 || len(h.NegativeDelta) > 0 || h.GetZeroThreshold() > 0 || h.GetZeroCount() > 0
				if native != native242 {
					warn("%s: native by the Prometheus >= 2.47 rule but classic by the 2.40-2.46 rule (set zero_threshold > 0)", where)
				}
				if familyNative == -1 {
					if native {
						familyNative = 1
					} else {
						familyNative = 0
					}
				} else if (familyNative == 1) != native {
					warn("%s: family mixes native and classic histograms (Prometheus 2.42 decides from the first metric)", where)
				}
				prev := math.Inf(-1)
				var prevCount uint64
				for bi, b := range h.Bucket {
					ub := b.GetUpperBound()
					if math.IsNaN(ub) || ub <= prev {
						fail("%s: classic bucket %d upper bound %v not increasing", where, bi, ub)
					}
					if b.GetCumulativeCount() < prevCount {
						fail("%s: classic bucket %d cumulative count decreases", where, bi)
					}
					if b.GetCumulativeCount() > h.GetSampleCount() {
						fail("%s: classic bucket %d count %d above sample_count %d", where, bi, b.GetCumulativeCount(), h.GetSampleCount())
					}
					if math.IsInf(ub, 1) && b.GetCumulativeCount() != h.GetSampleCount() {
						fail("%s: +Inf bucket %d != sample_count %d", where, b.GetCumulativeCount(), h.GetSampleCount())
					}
					prev, prevCount = ub, b.GetCumulativeCount()
					oh.Classic = append(oh.Classic, [2]interface{}{num(ub), b.GetCumulativeCount()})
				}
				if len(h.Bucket) > 0 {
					classics++
				}
				if native {
					natives++
					oh.Native = true
					s := h.GetSchema()
					oh.Schema, oh.ZeroThr, oh.ZeroCnt = s, h.GetZeroThreshold(), h.GetZeroCount()
					if s < -4 || s > 8 {
						fail("%s: schema %d outside -4..8", where, s)
					}
					if zt := h.GetZeroThreshold(); zt < 0 || math.IsNaN(zt) {
						fail("%s: zero_threshold %v", where, zt)
					}
					if len(h.Bucket) > 0 {
						warn("%s: native and classic buckets in one histogram (scrapers keep only one unless configured)", where)
					}
					neg, nsum := side(where, "negative", h.NegativeSpan, h.NegativeDelta)
					pos, psum := side(where, "positive", h.PositiveSpan, h.PositiveDelta)
					total := uint64(nsum+psum) + h.GetZeroCount()
					if total != h.GetSampleCount() && !math.IsNaN(h.GetSampleSum()) {
						fail("%s: sample_count %d != zero_count + buckets %d (Prometheus >= 2.49 fails the scrape)", where, h.GetSampleCount(), total)
					}
					oh.Pos, oh.Neg = map[int64]int64{}, map[int64]int64{}
					for _, b := range pos {
						if b[1] != 0 {
							oh.Pos[b[0]] = b[1]
						}
					}
					for _, b := range neg {
						if b[1] != 0 {
							oh.Neg[b[0]] = b[1]
						}
					}
					base := math.Pow(2, math.Pow(2, -float64(s)))
					for i := len(neg) - 1; i >= 0; i-- {
						b := neg[i]
						oh.Buckets = append(oh.Buckets, [3]interface{}{num(-math.Pow(base, float64(b[0]))), num(-math.Pow(base, float64(b[0]-1))), b[1]})
					}
					if h.GetZeroCount() > 0 || h.GetZeroThreshold() > 0 {
						oh.Buckets = append(oh.Buckets, [3]interface{}{-h.GetZeroThreshold(), h.GetZeroThreshold(), h.GetZeroCount()})
					}
					for _, b := range pos {
						oh.Buckets = append(oh.Buckets, [3]interface{}{num(math.Pow(base, float64(b[0]-1))), num(math.Pow(base, float64(b[0]))), b[1]})
					}
				}
				o.Hist = oh
			}
			if *dump {
				enc.Encode(o)
			}
		}
	}
	for _, w := range warns {
		fmt.Println("WARN", w)
	}
	for _, f := range fails {
		fmt.Println("FAIL", f)
	}
	if len(fails) > 0 {
		os.Exit(1)
	}
	fmt.Printf("OK families=%d metrics=%d native=%d classic=%d\n", families, metrics, natives, classics)
}
