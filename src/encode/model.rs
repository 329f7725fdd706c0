//! The model of one exposition: metrics grouped into families, their series
//! with label blocks and values, and the text they are written from.
//!
//! [`Parts`](super::Parts) fills it, [`families`](super::families) groups and
//! orders it, and one writer per wire format writes it. It knows nothing of
//! how it was filled nor of the wire formats: what differs between formats
//! in *what* is written (a counter family's name, which sample names a
//! family occupies, whether exemplars and start times are kept, how
//! exponential histograms are represented) is decided by the writer and
//! handed in as a [`Dialect`].
//!
//! Label blocks are stored in Prometheus' label-set notation, without the
//! braces: `name="value",...`, sorted by name, values escaped (`\\`, `\"`,
//! `\n`), names that are not legacy Prometheus names quoted and escaped the
//! same way. That notation is injective (equal blocks are equal label
//! sets), sorts by label name then value, and is what both text formats
//! write as it is; the protobuf writer decodes it.

/// A byte range in one of the model's buffers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    pub fn get(self, buf: &[u8]) -> &[u8] {
        buf.get(self.start..self.end).unwrap_or_default()
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start..self.end
    }

    pub fn len(self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(self) -> bool {
        self.end == self.start
    }
}

/// A measured value as recorded: integers stay exact.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Number {
    /// An unsigned integer.
    U64(u64),
    /// A signed integer.
    I64(i64),
    /// A float, possibly NaN or infinite.
    F64(f64),
}

impl Number {
    pub(crate) fn as_f64(self) -> f64 {
        match self {
            Number::U64(v) => v as f64,
            Number::I64(v) => v as f64,
            Number::F64(v) => v,
        }
    }

    /// NaN or negative: not a valid OpenMetrics counter value or histogram sum.
    pub(crate) fn is_nan_or_negative(self) -> bool {
        match self {
            Number::U64(_) => false,
            Number::I64(v) => v < 0,
            Number::F64(v) => v.is_nan() || v < 0.0,
        }
    }
}

/// The type a family is written with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum FamilyType {
    Counter,
    /// A counter that the dialect cannot type as one (OpenMetrics: its name
    /// does not end in `_total`).
    Unknown,
    Gauge,
    Histogram,
    /// A native histogram (where the dialect has them): a family of its
    /// own, so that one family never mixes classic and native histograms.
    NativeHistogram,
}

/// How a wire format wants the model built: everything the sink and the
/// family grouping must know of the format they work for, as plain facts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Dialect {
    /// A counter family is named without its `_total` (whose samples carry
    /// it); otherwise the family is named like its samples.
    pub counter_family_without_total: bool,
    /// Counters whose name does not end in `_total` are [`FamilyType::Unknown`].
    pub counters_need_total: bool,
    /// Counter values that are NaN or negative cannot be written.
    pub counters_non_negative: bool,
    /// Exemplars are written (on counters and histograms).
    pub exemplars: bool,
    /// Start times of counters and histograms are written.
    pub start_times: bool,
    /// Exponential histograms become native histograms instead of classic buckets.
    pub native_histograms: bool,
    /// The sample names a counter family occupies besides its own name.
    pub counter_suffixes: &'static [&'static str],
    /// The sample names a histogram family occupies besides its own name.
    pub histogram_suffixes: &'static [&'static str],
    /// The names `target_info` occupies.
    pub target_info_names: &'static [&'static str],
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct MetricEntry {
    /// Family name on the wire (escaped as negotiated; not quoted).
    pub family: Span,
    /// The family name is not a legacy Prometheus name (text formats quote it).
    pub utf8: bool,
    pub kind: FamilyType,
    pub unit: Span,
    pub help: Span,
    /// The scope and the metric as recorded, for a deterministic order.
    pub identity: Identity,
    /// The number type of its first point (0 before any point, then 1 `u64`,
    /// 2 `i64`, 3 `f64`; a histogram's by its sum): the SDK keeps a `u64` and
    /// an `f64` instrument of one name apart, and nothing else tells them apart.
    pub number: u8,
    /// Start time (ns since the epoch), when the dialect writes start times.
    pub start_time: Option<i128>,
    /// Its series: `series[first..end]`.
    pub first: u32,
    pub end: u32,
    /// Family group (index into `groups`, plus 1) once grouped.
    pub group: u32,
    /// Position in the sorted metric order.
    pub rank: u32,
    pub dropped: bool,
}

/// What tells two metrics of one family apart, as recorded (all in the arena).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Identity {
    /// Scope name, version, schema URL and attributes.
    pub scope: Span,
    pub name: Span,
    pub description: Span,
    pub unit: Span,
    /// The OpenTelemetry kind (a gauge and an up-down counter of one name
    /// are both gauges on the wire).
    pub kind: u8,
}

impl Identity {
    pub fn cmp(&self, other: &Identity, arena: &[u8]) -> std::cmp::Ordering {
        self.scope
            .get(arena)
            .cmp(other.scope.get(arena))
            .then_with(|| self.name.get(arena).cmp(other.name.get(arena)))
            .then_with(|| {
                self.description
                    .get(arena)
                    .cmp(other.description.get(arena))
            })
            .then_with(|| self.unit.get(arena).cmp(other.unit.get(arena)))
            .then_with(|| self.kind.cmp(&other.kind))
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum SeriesValue {
    Number(Number),
    /// `bounds[buckets]` / `cumulative[buckets]`; `count` is the `+Inf` bucket.
    Histogram {
        buckets: Span,
        count: u64,
        sum: Number,
    },
    /// `natives[index]`.
    Native(u32),
}

/// A native (exponential) histogram: the buckets of Prometheus' schema
/// `schema` (-4..=8), bucket `i` holding `(base^(i-1), base^i]`, `base =
/// 2^(2^-schema)`, and its mirror image on the negative side.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct NativeEntry {
    pub schema: i8,
    pub zero_threshold: f64,
    pub zero_count: u64,
    /// Index of the first positive bucket; counts in `native_counts[positive]`.
    pub positive_offset: i32,
    pub positive: Span,
    /// Index of the first negative bucket; counts in `native_counts[negative]`.
    pub negative_offset: i32,
    pub negative: Span,
    /// The zero bucket plus every bucket.
    pub count: u64,
    pub sum: Number,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct SeriesEntry {
    pub metric: u32,
    pub labels: Span,
    pub value: SeriesValue,
    /// `exemplars[exemplars]`.
    pub exemplars: Span,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct ExemplarEntry {
    /// Label block (without braces) in the arena.
    pub labels: Span,
    pub value: Number,
    /// Nanoseconds since the epoch.
    pub time: i128,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Group {
    /// The first metric (by rank) of this family: its name, type, help, unit win.
    pub metric: u32,
    pub dropped: bool,
}

/// One exposition, built anew by each full encode; its vectors are cleared,
/// never dropped, so a snapshot of unchanged shape reuses them all.
#[derive(Debug, Default)]
pub(crate) struct Model {
    /// Names, units, help texts, identities, label blocks, exemplar labels.
    pub arena: Vec<u8>,
    /// The long strings in `arena`, so that each is kept once.
    pub strings: Strings,
    /// `target_info`'s label block, if it is written.
    pub target: Option<Span>,
    pub metrics: Vec<MetricEntry>,
    pub series: Vec<SeriesEntry>,
    pub exemplars: Vec<ExemplarEntry>,
    pub bounds: Vec<f64>,
    pub cumulative: Vec<u64>,
    pub natives: Vec<NativeEntry>,
    pub native_counts: Vec<u64>,
    pub groups: Vec<Group>,
    /// Metric indices by rank (family, then identity).
    pub metric_order: Vec<u32>,
    /// Series indices in write order.
    pub order: Vec<u32>,
    /// The sorted series order of the previous call (before duplicates were
    /// dropped), tried first by the next one; kept across calls.
    pub previous_order: Vec<u32>,
    /// `order` ranges (families) that hold series with equal label sets.
    pub duplicate_families: Vec<(usize, usize)>,
    /// (family name, suffix, group) for name-clash detection.
    pub sample_names: Vec<(Span, &'static str, u32)>,
    /// Per `Parts::metric` call of this encode, in order: whether the metric
    /// was recorded (its points became series) rather than dropped.
    pub walked: Vec<bool>,
}

impl Model {
    /// Empties everything for a new encode call (but `previous_order`).
    /// With `by_address` the caller promises that the text it passes stays
    /// borrowed until the call ends (see [`Model::intern`]).
    pub fn clear(&mut self, by_address: bool) {
        self.arena.clear();
        self.strings.clear();
        self.strings.by_address = by_address;
        self.target = None;
        self.metrics.clear();
        self.series.clear();
        self.exemplars.clear();
        self.bounds.clear();
        self.cumulative.clear();
        self.natives.clear();
        self.native_counts.clear();
        self.groups.clear();
        self.metric_order.clear();
        self.order.clear();
        self.duplicate_families.clear();
        self.sample_names.clear();
        self.walked.clear();
    }

    /// The bytes this encode used and the bytes held, in the buffers that
    /// grow with the snapshot.
    pub fn footprint(&self) -> (usize, usize) {
        let mut acc = (0, 0);
        add(&mut acc, &self.arena);
        add(&mut acc, &self.strings.slots);
        add(&mut acc, &self.metrics);
        add(&mut acc, &self.series);
        add(&mut acc, &self.exemplars);
        add(&mut acc, &self.bounds);
        add(&mut acc, &self.cumulative);
        add(&mut acc, &self.natives);
        add(&mut acc, &self.native_counts);
        add(&mut acc, &self.groups);
        add(&mut acc, &self.metric_order);
        add(&mut acc, &self.order);
        add(&mut acc, &self.previous_order);
        add(&mut acc, &self.sample_names);
        add(&mut acc, &self.walked);
        acc
    }

    /// Appends `bytes` to the arena, returning their span.
    pub fn push(&mut self, bytes: &[u8]) -> Span {
        let start = self.arena.len();
        self.arena.extend_from_slice(bytes);
        Span::new(start, self.arena.len())
    }

    /// The span of `bytes` in the arena: a long string seen before in this
    /// encode is not stored again (descriptions, units and names are often
    /// shared by many metrics). While the input is borrowed for the whole
    /// call, a string at the address and length of the last one looked up
    /// is that one, found without hashing it.
    pub fn intern(&mut self, bytes: &[u8]) -> Span {
        if bytes.len() < Strings::LONG {
            return self.push(bytes);
        }
        let address = (bytes.as_ptr() as usize, bytes.len());
        if self.strings.by_address {
            if let Some((_, span)) = self.strings.last.filter(|&(a, _)| a == address) {
                return span;
            }
        }
        let hash = Strings::hash(bytes);
        let span = match self.strings.find(hash, bytes, &self.arena) {
            Some(span) => span,
            None => {
                let span = self.push(bytes);
                self.strings.insert(hash, span);
                span
            }
        };
        self.strings.last = Some((address, span));
        span
    }

    /// The winning metric of family group `group` (1-based).
    pub fn winner(&self, group: u32) -> &MetricEntry {
        &self.metrics[self.groups[group as usize - 1].metric as usize]
    }
}

/// Adds a vector's used and held bytes to `acc`.
pub(crate) fn add<T>(acc: &mut (usize, usize), v: &Vec<T>) {
    let size = std::mem::size_of::<T>();
    acc.0 += v.len() * size;
    acc.1 += v.capacity() * size;
}

/// A hash set of the long strings stored in the arena (open addressing,
/// linear probing), so [`Model::intern`] finds one in about one comparison.
#[derive(Debug, Default)]
pub(crate) struct Strings {
    /// (hash, span); an empty span marks a free slot (long strings are never empty).
    slots: Vec<(u64, Span)>,
    used: usize,
    /// Address and length of the string looked up last, and its span.
    last: Option<((usize, usize), Span)>,
    /// Whether `last` may be trusted (see [`Model::clear`]).
    by_address: bool,
}

impl Strings {
    /// Strings shorter than this are copied rather than looked up: cheaper
    /// than hashing them, and they cost little twice.
    pub const LONG: usize = 64;

    fn clear(&mut self) {
        self.last = None;
        if self.used > 0 {
            self.slots.fill((0, Span::default()));
            self.used = 0;
        }
    }

    /// A word-at-a-time multiplicative hash: fast on long text, and the
    /// table compares bytes anyway.
    fn hash(bytes: &[u8]) -> u64 {
        const K: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut h = bytes.len() as u64;
        let mut chunks = bytes.chunks_exact(8);
        for c in chunks.by_ref() {
            let w = u64::from_le_bytes(c.try_into().expect("8 bytes"));
            h = (h.rotate_left(5) ^ w).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            h = (h.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
        h ^ (h >> 29)
    }

    fn find(&self, hash: u64, bytes: &[u8], arena: &[u8]) -> Option<Span> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = hash as usize & mask;
        loop {
            let (h, span) = self.slots[i];
            if span.is_empty() {
                return None;
            }
            if h == hash && span.get(arena) == bytes {
                return Some(span);
            }
            i = (i + 1) & mask;
        }
    }

    fn insert(&mut self, hash: u64, span: Span) {
        if (self.used + 1) * 2 > self.slots.len() {
            let old = std::mem::take(&mut self.slots);
            self.slots = vec![(0, Span::default()); (old.len() * 2).max(16)];
            self.used = 0;
            for (h, s) in old.into_iter().filter(|(_, s)| !s.is_empty()) {
                self.insert(h, s);
            }
        }
        let mask = self.slots.len() - 1;
        let mut i = hash as usize & mask;
        while !self.slots[i].1.is_empty() {
            i = (i + 1) & mask;
        }
        self.slots[i] = (hash, span);
        self.used += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_strings_are_stored_once_short_ones_every_time() {
        let mut m = Model::default();
        let long = "d".repeat(Strings::LONG);
        let other = "e".repeat(Strings::LONG);
        let a = m.intern(long.as_bytes());
        let b = m.intern(other.as_bytes());
        assert_eq!(m.intern(long.as_bytes()), a);
        assert_eq!(m.intern(other.as_bytes()), b);
        assert_ne!(a, b);
        assert_eq!(m.arena.len(), 2 * Strings::LONG);
        let short = &long[1..];
        let s1 = m.intern(short.as_bytes());
        let s2 = m.intern(short.as_bytes());
        assert_ne!(s1, s2);
        assert_eq!(s1.get(&m.arena), short.as_bytes());
        // Many distinct strings: the table grows and still finds each one.
        let texts: Vec<String> = (0..100).map(|i| format!("{i:0>70}")).collect();
        let spans: Vec<Span> = texts.iter().map(|t| m.intern(t.as_bytes())).collect();
        for (t, s) in texts.iter().zip(&spans) {
            assert_eq!(m.intern(t.as_bytes()), *s);
            assert_eq!(s.get(&m.arena), t.as_bytes());
        }
        // A new encode forgets them: the arena is empty again.
        m.clear(false);
        let c = m.intern(long.as_bytes());
        assert_eq!(c, Span::new(0, Strings::LONG));
        assert_eq!(m.intern(long.as_bytes()), c);
    }

    #[test]
    fn strings_with_one_hash_are_told_apart_by_their_bytes() {
        let mut s = Strings::default();
        let mut arena = Vec::new();
        for text in ["x".repeat(70), "y".repeat(70)] {
            let start = arena.len();
            arena.extend_from_slice(text.as_bytes());
            // The same hash for both: only the bytes can tell them apart.
            s.insert(7, Span::new(start, arena.len()));
        }
        assert_eq!(
            s.find(7, "y".repeat(70).as_bytes(), &arena),
            Some(Span::new(70, 140))
        );
        assert_eq!(s.find(7, "z".repeat(70).as_bytes(), &arena), None);
        assert_eq!(s.find(8, "x".repeat(70).as_bytes(), &arena), None);
    }

    #[test]
    fn strings_are_found_by_address_only_at_the_same_address() {
        // Input borrowed for the whole call: the last string looked up is
        // recognised by address and length, any other one by its bytes.
        let mut m = Model::default();
        m.clear(true);
        let (long, other) = ("d".repeat(Strings::LONG), "e".repeat(Strings::LONG));
        let a = m.intern(long.as_bytes());
        assert_eq!(m.intern(long.as_bytes()), a);
        let b = m.intern(other.as_bytes());
        assert_eq!(b.get(&m.arena), other.as_bytes());
        assert_eq!(m.intern(long.as_bytes()), a);
    }

    #[test]
    fn the_string_table_holds_one_encode_at_a_time() {
        // Each encode interns the same 10 long strings: the table never
        // grows beyond what 10 need (at most half full: 32 slots).
        let mut m = Model::default();
        let texts: Vec<String> = (0..10).map(|i| format!("{i:0>70}")).collect();
        for _ in 0..50 {
            m.clear(false);
            for t in &texts {
                m.intern(t.as_bytes());
            }
            assert!(m.strings.slots.len() <= 32, "{}", m.strings.slots.len());
        }
    }

    #[test]
    fn footprints_count_bytes_used_and_held() {
        let mut v: Vec<u64> = Vec::with_capacity(10);
        v.extend([1, 2, 3]);
        let mut acc = (1, 2);
        add(&mut acc, &v);
        assert_eq!(acc, (1 + 3 * 8, 2 + v.capacity() * 8));
    }
}
