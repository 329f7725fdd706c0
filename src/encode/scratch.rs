//! The sink's reusable working space: label stores, the current scope's
//! labels, temporary strings and the label-block plans. Every `Vec` here is
//! cleared, never dropped, between calls.

use opentelemetry::Value;

use super::labels::Label;
use super::model::Span;
use super::shape::Shapes;
use crate::name;
use crate::{DropReason, EncodeStats, Escaping, RenameReason, TranslationStrategy};

#[derive(Debug, Default)]
pub(crate) struct Scratch {
    /// Labels shared by many points (resource and scope labels).
    pub fixed: Vec<u8>,
    /// The labels of the point being recorded.
    pub point: Vec<u8>,
    pub labels: Vec<Label>,
    pub scope_fixed: Vec<Label>,
    pub resource_labels: Vec<Label>,
    /// `resource_labels` for histogram points: a label named `le` (reserved
    /// for bucket bounds) is renamed to `exported_le` there.
    pub resource_labels_histogram: Vec<Label>,
    /// Whether `resource_labels_histogram` renamed a label.
    pub resource_le: bool,
    pub target_labels: Vec<Label>,
    /// The current scope's sort key, in the model's arena.
    pub scope_key: Span,
    pub tmp_counts: Vec<u64>,
    pub tmp_name: String,
    pub tmp_unit: String,
    pub tmp_value: String,
    pub tmp_label: String,
    /// Label-block plans of the current scope.
    pub shapes: Shapes,
}

impl Scratch {
    /// Empties everything for a new encode call (see [`Shapes::start_call`]).
    pub fn clear(&mut self, keys_outlive_call: bool) {
        self.fixed.clear();
        self.point.clear();
        self.labels.clear();
        self.scope_fixed.clear();
        self.resource_labels.clear();
        self.resource_labels_histogram.clear();
        self.resource_le = false;
        self.target_labels.clear();
        self.scope_key = Span::default();
        self.tmp_counts.clear();
        self.shapes.start_call(keys_outlive_call);
    }

    /// The bytes this encode used and the bytes held, in the buffers that
    /// grow with the snapshot. Left out, though freed with the rest: the
    /// shapes, the `tmp_*` strings and vectors, all bounded by a single
    /// metric or point.
    pub fn footprint(&self) -> (usize, usize) {
        let mut acc = (0, 0);
        super::model::add(&mut acc, &self.fixed);
        super::model::add(&mut acc, &self.point);
        super::model::add(&mut acc, &self.labels);
        super::model::add(&mut acc, &self.target_labels);
        acc
    }
}

/// Which buffer a label's bytes live in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Store {
    Fixed,
    Point,
}

/// Translates `key` into a wire label name in `tmp_label`; returns whether it
/// must be quoted. Counts renames.
fn wire_label_name(
    strategy: TranslationStrategy,
    escaping: Escaping,
    key: &str,
    tmp_label: &mut String,
    tmp: &mut String,
    stats: &mut EncodeStats,
) -> bool {
    if name::label_name(strategy, key, tmp_label) {
        stats.rename(RenameReason::LabelName, 1);
    }
    finish_wire_name(escaping, tmp_label, tmp, stats)
}

/// Applies the negotiated escaping to the label name in `tmp_label`; true
/// when the name is to be written quoted. Prometheus reserves label names
/// starting with `__` (`__name__` would even set the metric name on
/// ingestion), OpenMetrics any starting with `_`, and strict parsers reject
/// them. Such a final name, kept by a UTF-8 strategy (`_x`, `__tenant__`) or
/// made by escaping (`ключ` is `____` with underscores), gets the prefix
/// `key` (`key_x`, `key__tenant__`, `key____`): the escaping strategies'
/// rule for a leading `_`, applied to every strategy and escaping.
fn finish_wire_name(
    escaping: Escaping,
    tmp_label: &mut String,
    tmp: &mut String,
    stats: &mut EncodeStats,
) -> bool {
    let quoted = if name::is_legacy_label_name(tmp_label) {
        false
    } else if escaping == Escaping::AllowUtf8 {
        true
    } else {
        tmp.clear();
        name::escape_name(tmp_label, escaping, true, tmp);
        std::mem::swap(tmp_label, tmp);
        stats.rename(RenameReason::Escaped, 1);
        false
    };
    if tmp_label.starts_with('_') {
        tmp_label.insert_str(0, "key");
        stats.rename(RenameReason::ReservedLabel, 1);
    }
    quoted
}

fn push_label(
    buf: &mut Vec<u8>,
    store: Store,
    name: &str,
    key: &str,
    value: &str,
    quoted: bool,
) -> Label {
    let n0 = buf.len();
    buf.extend_from_slice(name.as_bytes());
    let k0 = buf.len();
    buf.extend_from_slice(key.as_bytes());
    let v0 = buf.len();
    buf.extend_from_slice(value.as_bytes());
    Label {
        store,
        name: Span::new(n0, k0),
        key: Span::new(k0, v0),
        value: Span::new(v0, buf.len()),
        quoted,
        index: 0,
    }
}

impl Scratch {
    /// A resource attribute as a label in the fixed store; `None` when its
    /// value is empty (Prometheus stores an empty label as no label).
    pub fn push_fixed_attr(
        &mut self,
        strategy: TranslationStrategy,
        escaping: Escaping,
        key: &str,
        value: &Value,
        stats: &mut EncodeStats,
    ) -> Option<Label> {
        self.tmp_value.clear();
        crate::value::write_value(value, &mut self.tmp_value);
        if self.tmp_value.is_empty() {
            return None;
        }
        let quoted = wire_label_name(
            strategy,
            escaping,
            key,
            &mut self.tmp_label,
            &mut self.tmp_name,
            stats,
        );
        Some(push_label(
            &mut self.fixed,
            Store::Fixed,
            &self.tmp_label,
            key,
            &self.tmp_value,
            quoted,
        ))
    }

    /// A label the exporter itself adds (`otel_scope_name`, ...).
    pub fn push_fixed_str(&mut self, label: &str, value: &str) -> Label {
        push_label(&mut self.fixed, Store::Fixed, label, label, value, false)
    }

    /// A copy of fixed label `l` under another name (same key and value).
    pub fn push_fixed_renamed(&mut self, l: Label, name: &str) -> Label {
        let n0 = self.fixed.len();
        self.fixed.extend_from_slice(name.as_bytes());
        Label {
            name: Span::new(n0, self.fixed.len()),
            quoted: false,
            ..l
        }
    }

    /// A scope attribute as `otel_scope_<key>`; `None` when its value is
    /// empty, or when it would replace one of the three fixed scope labels
    /// (the specification drops those: counted as
    /// [`DropReason::ScopeAttribute`]).
    pub fn push_scope_attr(
        &mut self,
        strategy: TranslationStrategy,
        escaping: Escaping,
        key: &str,
        value: &Value,
        stats: &mut EncodeStats,
    ) -> Option<Label> {
        self.tmp_value.clear();
        self.tmp_value.push_str("otel_scope_");
        self.tmp_value.push_str(key);
        let renamed = name::label_name(strategy, &self.tmp_value, &mut self.tmp_label);
        if matches!(
            self.tmp_label.as_str(),
            "otel_scope_name" | "otel_scope_version" | "otel_scope_schema_url"
        ) {
            stats.drop(DropReason::ScopeAttribute, 1);
            return None;
        }
        // The sort key is the prefixed original key.
        let k0 = self.fixed.len();
        self.fixed.extend_from_slice(self.tmp_value.as_bytes());
        self.tmp_value.clear();
        crate::value::write_value(value, &mut self.tmp_value);
        if self.tmp_value.is_empty() {
            self.fixed.truncate(k0);
            return None;
        }
        if renamed {
            stats.rename(RenameReason::LabelName, 1);
        }
        let quoted = finish_wire_name(escaping, &mut self.tmp_label, &mut self.tmp_name, stats);
        let n0 = self.fixed.len();
        self.fixed.extend_from_slice(self.tmp_label.as_bytes());
        let v0 = self.fixed.len();
        self.fixed.extend_from_slice(self.tmp_value.as_bytes());
        Some(Label {
            store: Store::Fixed,
            name: Span::new(n0, v0),
            key: Span::new(k0, n0),
            value: Span::new(v0, self.fixed.len()),
            quoted,
            index: 0,
        })
    }

    /// A data point's attribute as a label in the point store; `None` when
    /// its value is empty. On histograms a label named `le` becomes
    /// `exported_le`.
    pub fn push_point_attr(
        &mut self,
        strategy: TranslationStrategy,
        escaping: Escaping,
        key: &str,
        value: &Value,
        histogram: bool,
        stats: &mut EncodeStats,
    ) -> Option<Label> {
        self.tmp_value.clear();
        crate::value::write_value(value, &mut self.tmp_value);
        if self.tmp_value.is_empty() {
            return None;
        }
        let mut quoted = wire_label_name(
            strategy,
            escaping,
            key,
            &mut self.tmp_label,
            &mut self.tmp_name,
            stats,
        );
        if histogram && self.tmp_label == "le" {
            self.tmp_label.clear();
            self.tmp_label.push_str("exported_le");
            quoted = false;
            stats.rename(RenameReason::ReservedLabel, 1);
        }
        Some(push_label(
            &mut self.point,
            Store::Point,
            &self.tmp_label,
            key,
            &self.tmp_value,
            quoted,
        ))
    }
}
