//! Per-family sample rules: label sets, series identity, metric points and
//! the value rules of each type.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use super::lex;
use super::line::Parsed;
use super::{CheckError, CheckErrorKind as K, HistogramRule as H, MetricType};

/// The sample suffixes a family of `kind` may use (`""` is the bare name).
pub(super) fn suffixes(kind: MetricType, om: bool) -> &'static [&'static str] {
    match (kind, om) {
        (MetricType::Counter, true) => &["_total", "_created"],
        (MetricType::Histogram, true) => &["_bucket", "_count", "_sum", "_created"],
        (MetricType::Histogram, false) => &["_bucket", "_count", "_sum"],
        (MetricType::GaugeHistogram, _) => &["_bucket", "_gcount", "_gsum"],
        (MetricType::Summary, true) => &["", "_count", "_sum", "_created"],
        (MetricType::Summary, false) => &["", "_count", "_sum"],
        (MetricType::Info, _) => &["_info"],
        _ => &[""],
    }
}

/// A position (1-based line and column).
type Pos = (usize, usize);

fn error(at: Pos, kind: K) -> CheckError {
    CheckError::new(at.0, at.1, kind)
}

/// The checks of one family's samples.
#[derive(Debug)]
pub(super) struct Rules {
    om: bool,
    kind: MetricType,
    family: String,
    metrics: Vec<Metric>,
    /// Index into `metrics` by label-set key.
    index: HashMap<String, usize>,
    current: Option<usize>,
    /// 0.0.4: every series of the family (duplicates are always errors).
    series: HashSet<String>,
}

/// One label set (without `le`, `quantile` or the state label).
#[derive(Debug)]
struct Metric {
    last_timestamp: Option<f64>,
    point: Point,
}

/// One metric point being collected.
#[derive(Debug, Default)]
struct Point {
    first: Pos,
    /// Series keys seen in this point with their timestamps.
    series: Vec<(String, Option<f64>)>,
    any_histogram_sample: bool,
    last_bound: Option<f64>,
    last_bucket: Option<(String, f64)>,
    inf_bucket: Option<(String, f64)>,
    negative_bound: bool,
    count: Option<(String, f64, Pos)>,
    sum: Option<(f64, Pos)>,
}

/// A label set as an unambiguous string (length-prefixed, sorted by name),
/// without its empty-valued labels: Prometheus drops those on ingestion and
/// OpenMetrics treats an empty value as if the label was not present, so
/// `{a="",b="x"}` and `{b="x"}` are one series.
pub(super) fn canonical<'a>(labels: impl Iterator<Item = &'a (String, String)>) -> String {
    let mut sorted: Vec<_> = labels.filter(|(_, value)| !value.is_empty()).collect();
    sorted.sort();
    let mut key = String::new();
    for (name, value) in sorted {
        key.push_str(&format!("{}:{}{}:{}", name.len(), name, value.len(), value));
    }
    key
}

/// Compares two counts exactly when both are written as integers.
fn cmp_counts(a: (&str, f64), b: (&str, f64)) -> Ordering {
    match (lex::exact_uint(a.0), lex::exact_uint(b.0)) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => a.1.partial_cmp(&b.1).unwrap_or(Ordering::Equal),
    }
}

fn is_count(value: f64, om: bool) -> bool {
    value >= 0.0 && (!om || (value.is_finite() && value.fract() == 0.0))
}

impl Rules {
    pub(super) fn new(om: bool, kind: MetricType, family: &str) -> Self {
        Rules {
            om,
            kind,
            family: family.to_string(),
            metrics: Vec::new(),
            index: HashMap::new(),
            current: None,
            series: HashSet::new(),
        }
    }

    /// Checks one sample whose name belongs to this family.
    pub(super) fn sample(&mut self, p: &Parsed, line: usize) -> Result<(), CheckError> {
        let s = &p.sample;
        let suffix = s.name.get(self.family.len()..).unwrap_or("");
        let at_line = (line, 1);
        let at_value = (line, p.value_col);
        let hist = matches!(
            self.kind,
            MetricType::Histogram | MetricType::GaugeHistogram
        );

        // The label that tells the samples of one point apart, and its bound.
        let special = match (self.kind, suffix) {
            (_, "_bucket") if hist => Some("le"),
            (MetricType::Summary, "") => Some("quantile"),
            (MetricType::StateSet, _) if self.om => Some(self.family.as_str()),
            _ => None,
        };
        let label_col = |name: &str| {
            let i = s.labels.iter().position(|(n, _)| n == name);
            (
                line,
                i.and_then(|i| p.label_cols.get(i).copied()).unwrap_or(1),
            )
        };
        let find = |name: &str| {
            s.labels
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        let mut bound = None;
        if let Some(label) = special {
            let text = find(label).ok_or_else(|| error(at_line, K::MissingLabel))?;
            bound = match label {
                "le" => Some(
                    self.le(text)
                        .ok_or_else(|| error(label_col("le"), K::InvalidBoundLabel))?,
                ),
                "quantile" => Some(
                    self.quantile(text)
                        .ok_or_else(|| error(label_col("quantile"), K::InvalidBoundLabel))?,
                ),
                _ => None,
            };
        }
        let reserved = match self.kind {
            MetricType::Histogram | MetricType::GaugeHistogram => Some("le"),
            MetricType::Summary => Some("quantile"),
            _ => None,
        };
        if let Some(label) = reserved.filter(|&l| special != Some(l) && find(l).is_some()) {
            return Err(error(label_col(label), K::InvalidBoundLabel));
        }

        // Metric (label set) and series identity.
        let key = canonical(s.labels.iter().filter(|(n, _)| Some(n.as_str()) != special));
        let series_key = format!("{}:{}{}", s.name.len(), s.name, canonical(s.labels.iter()));
        let index = match self.index.get(&key) {
            Some(&i) if Some(i) != self.current && self.om => {
                return Err(error(at_line, K::InterleavedMetric));
            }
            Some(&i) => i,
            None => {
                self.metrics.push(Metric {
                    last_timestamp: None,
                    point: Point {
                        first: at_line,
                        ..Point::default()
                    },
                });
                self.index.insert(key, self.metrics.len() - 1);
                self.metrics.len() - 1
            }
        };
        self.current = Some(index);
        let om = self.om;
        let Some(metric) = self.metrics.get_mut(index) else {
            return Ok(());
        };
        if om {
            if let (Some(ts), Some(last)) = (s.timestamp, metric.last_timestamp) {
                if ts < last {
                    return Err(error((line, p.timestamp_col), K::TimestampOutOfOrder));
                }
            }
            if let Some((_, previous)) = metric.point.series.iter().find(|(k, _)| *k == series_key)
            {
                if previous.is_none() || s.timestamp.is_none() {
                    return Err(error(at_line, K::DuplicateSeries));
                }
                // Same series again with a later timestamp: a new metric point.
                let done = std::mem::replace(
                    &mut metric.point,
                    Point {
                        first: at_line,
                        ..Point::default()
                    },
                );
                check_point(&done, self.kind, om)?;
            }
            metric.last_timestamp = s.timestamp.or(metric.last_timestamp);
        } else if !self.series.insert(series_key.clone()) {
            return Err(error(at_line, K::DuplicateSeries));
        }
        let point = &mut metric.point;
        point.series.push((series_key, s.timestamp));

        // Exemplars: counter `_total` and histogram `_bucket` lines only.
        if let Some(exemplar) = &s.exemplar {
            let at = (line, p.exemplar_col);
            let allowed = (self.kind == MetricType::Counter && suffix == "_total")
                || (hist && suffix == "_bucket");
            if !allowed {
                return Err(error(at, K::ExemplarNotAllowed));
            }
            if bound.is_some_and(|le| {
                !matches!(
                    exemplar.value.partial_cmp(&le),
                    Some(Ordering::Less | Ordering::Equal)
                )
            }) {
                return Err(error(at, K::ExemplarOutOfBucket));
            }
        }

        // Value rules.
        let v = s.value;
        let text = s.value_text.as_str();
        match (self.kind, suffix) {
            // Text 0.0.4 has no rule on a counter's value (the encoder keeps
            // NaN and negative sums there); OpenMetrics forbids both.
            (MetricType::Counter, "_total" | "") if om && (v.is_nan() || v < 0.0) => {
                return Err(error(at_value, K::InvalidCounter));
            }
            (MetricType::Histogram | MetricType::GaugeHistogram, _) => {
                point.any_histogram_sample = true;
                match suffix {
                    "_bucket" => {
                        let le = bound.unwrap_or(f64::NAN);
                        if !is_count(v, om) {
                            return Err(error(at_value, K::HistogramRule(H::InvalidCount)));
                        }
                        if point
                            .last_bound
                            .is_some_and(|last| le.partial_cmp(&last) != Some(Ordering::Greater))
                        {
                            return Err(error(
                                label_col("le"),
                                K::HistogramRule(H::BucketsOutOfOrder),
                            ));
                        }
                        if let Some((last_text, last)) = &point.last_bucket {
                            if cmp_counts((text, v), (last_text, *last)) == Ordering::Less {
                                return Err(error(at_value, K::HistogramRule(H::NotCumulative)));
                            }
                        }
                        point.last_bound = Some(le);
                        point.negative_bound |= le < 0.0;
                        point.last_bucket = Some((text.to_string(), v));
                        if le == f64::INFINITY {
                            point.inf_bucket = Some((text.to_string(), v));
                        }
                    }
                    "_count" | "_gcount" => {
                        if !is_count(v, om) {
                            return Err(error(at_value, K::HistogramRule(H::InvalidCount)));
                        }
                        point.count = Some((text.to_string(), v, at_value));
                    }
                    "_sum" | "_gsum" => {
                        // A negative `_gsum` is judged when the point is complete.
                        // Text 0.0.4 has no rule on the sum's value: NaN and
                        // negative sums are valid there (OpenMetrics forbids both).
                        if om && (v.is_nan() || (suffix == "_sum" && v < 0.0)) {
                            return Err(error(at_value, K::HistogramRule(H::InvalidSum)));
                        }
                        point.sum = Some((v, at_value));
                    }
                    _ => {}
                }
            }
            (MetricType::Summary, "_count") if v.is_nan() || v < 0.0 => {
                return Err(error(at_value, K::ValueNotAllowed));
            }
            (MetricType::Summary, "_sum") if om && (v.is_nan() || v < 0.0) => {
                return Err(error(at_value, K::ValueNotAllowed));
            }
            (MetricType::Summary, "") if om && v < 0.0 => {
                return Err(error(at_value, K::ValueNotAllowed))
            }
            (MetricType::Info, _) if v != 1.0 => return Err(error(at_value, K::ValueNotAllowed)),
            (MetricType::StateSet, _) if v != 0.0 && v != 1.0 => {
                return Err(error(at_value, K::ValueNotAllowed));
            }
            _ => {}
        }
        Ok(())
    }

    /// Checks the open metric points; the earliest problem wins.
    pub(super) fn finish(&self) -> Result<(), CheckError> {
        let mut first: Option<CheckError> = None;
        for metric in &self.metrics {
            if let Err(e) = check_point(&metric.point, self.kind, self.om) {
                if first.is_none_or(|f| (e.line, e.column) < (f.line, f.column)) {
                    first = Some(e);
                }
            }
        }
        first.map_or(Ok(()), Err)
    }

    /// A `le` bound: OpenMetrics wants a finite decimal or exactly `+Inf`;
    /// 0.0.4 any number but NaN.
    fn le(&self, text: &str) -> Option<f64> {
        if self.om {
            if text == "+Inf" {
                return Some(f64::INFINITY);
            }
            lex::parse_decimal(text).filter(|v| v.is_finite())
        } else {
            lex::parse_number(text).filter(|v| !v.is_nan())
        }
    }

    /// A `quantile` value: a number in `[0, 1]`.
    fn quantile(&self, text: &str) -> Option<f64> {
        let value = if self.om {
            lex::parse_decimal(text)
        } else {
            lex::parse_number(text)
        };
        value.filter(|q| (0.0..=1.0).contains(q))
    }
}

/// The rules that need a complete metric point.
fn check_point(point: &Point, kind: MetricType, om: bool) -> Result<(), CheckError> {
    if !point.any_histogram_sample {
        return Ok(());
    }
    let Some((inf_text, inf)) = &point.inf_bucket else {
        return Err(error(point.first, K::HistogramRule(H::MissingInfBucket)));
    };
    if let Some((text, count, at)) = &point.count {
        if cmp_counts((text, *count), (inf_text, *inf)) != Ordering::Equal {
            return Err(error(*at, K::HistogramRule(H::CountMismatch)));
        }
    }
    if !om {
        return Ok(());
    }
    if let Some((sum, at)) = point.sum {
        if kind == MetricType::Histogram && point.negative_bound {
            return Err(error(at, K::HistogramRule(H::SumWithNegativeBucket)));
        }
        if sum < 0.0 && !point.negative_bound {
            return Err(error(at, K::HistogramRule(H::InvalidSum)));
        }
    }
    match (&point.sum, &point.count) {
        (Some((_, at)), None) => Err(error(*at, K::HistogramRule(H::SumWithoutCount))),
        (None, Some((_, _, at))) => Err(error(*at, K::HistogramRule(H::CountWithoutSum))),
        _ => Ok(()),
    }
}
