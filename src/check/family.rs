//! Families: which sample belongs where, metadata rules, contiguity and
//! clashing names.

use std::collections::HashMap;

use super::line::{Line, Parsed};
use super::rules::{suffixes, Rules};
use super::{CheckError, CheckErrorKind as K, Family, MetricType};

/// The family being read.
#[derive(Debug)]
struct Current {
    family: Family,
    has_type: bool,
    rules: Rules,
}

/// The state between lines.
#[derive(Debug)]
pub(super) struct State {
    om: bool,
    families: Vec<Family>,
    /// Names used by earlier families: `true` for a family name, `false`
    /// for a sample name it reads (`h_bucket`, `c_total`).
    claims: HashMap<String, bool>,
    current: Option<Current>,
}

/// Which metadata line.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Meta {
    Help,
    Type,
    Unit,
}

impl State {
    pub(super) fn new(om: bool) -> Self {
        State {
            om,
            families: Vec::new(),
            claims: HashMap::new(),
            current: None,
        }
    }

    pub(super) fn feed(&mut self, line: Line, lineno: usize) -> Result<(), CheckError> {
        let at = CheckError::new(lineno, 1, K::DuplicateMetadata);
        match line {
            Line::Nothing | Line::Eof => Ok(()),
            Line::Help { name, text } => {
                self.metadata(name, Meta::Help, at, |f| f.help = Some(text))
            }
            Line::Unit { name, unit } => {
                self.metadata(name, Meta::Unit, at, |f| f.unit = Some(unit))
            }
            Line::Type { name, kind } => self.metadata(name, Meta::Type, at, |f| f.kind = kind),
            Line::Sample(parsed) => self.sample(*parsed, lineno),
        }
    }

    /// Ends the last family and returns all of them.
    pub(super) fn finish(&mut self) -> Result<Vec<Family>, CheckError> {
        self.close()?;
        Ok(std::mem::take(&mut self.families))
    }

    fn metadata(
        &mut self,
        name: String,
        meta: Meta,
        at: CheckError,
        set: impl FnOnce(&mut Family),
    ) -> Result<(), CheckError> {
        let err = |kind| CheckError { kind, ..at };
        if self.current.as_ref().is_none_or(|c| c.family.name != name) {
            self.start(name, at.line, false)?;
        }
        let om = self.om;
        let Some(cur) = self.current.as_mut() else {
            return Ok(());
        };
        let repeated = match meta {
            Meta::Help => cur.family.help.is_some(),
            Meta::Type => cur.has_type,
            Meta::Unit => cur.family.unit.is_some(),
        };
        if repeated {
            return Err(err(K::DuplicateMetadata));
        }
        if !cur.family.samples.is_empty() {
            return Err(err(K::MetadataAfterSamples));
        }
        set(&mut cur.family);
        let family = &cur.family;
        if meta == Meta::Type {
            cur.has_type = true;
            cur.rules = Rules::new(om, family.kind, &family.name);
            let clash =
                generated(&family.name, family.kind, om).any(|n| self.claims.contains_key(&n));
            if clash {
                return Err(err(K::ClashingName));
            }
        }
        if let Some(unit) = family.unit.as_deref().filter(|u| !u.is_empty()) {
            if matches!(family.kind, MetricType::Info | MetricType::StateSet) {
                return Err(err(K::UnitNotAllowed));
            }
            let suffix_ok = family
                .name
                .strip_suffix(unit)
                .is_some_and(|rest| rest.ends_with('_'));
            if !suffix_ok {
                return Err(err(K::UnitNotSuffix));
            }
        }
        Ok(())
    }

    fn sample(&mut self, parsed: Parsed, lineno: usize) -> Result<(), CheckError> {
        let om = self.om;
        let belongs = self.current.as_ref().is_some_and(|c| {
            suffixes(c.family.kind, om).iter().any(|s| {
                c.family.name.len() + s.len() == parsed.sample.name.len()
                    && parsed.sample.name.starts_with(c.family.name.as_str())
                    && parsed.sample.name.ends_with(s)
            })
        });
        if !belongs {
            if self
                .current
                .as_ref()
                .is_some_and(|c| c.family.name == parsed.sample.name)
            {
                return Err(CheckError::new(lineno, 1, K::InvalidSampleName));
            }
            self.start(parsed.sample.name.clone(), lineno, true)?;
        }
        let Some(cur) = self.current.as_mut() else {
            return Ok(());
        };
        cur.rules.sample(&parsed, lineno)?;
        cur.family.samples.push(parsed.sample);
        Ok(())
    }

    /// Ends the current family and starts one called `name`, for a sample
    /// line or a metadata line.
    fn start(&mut self, name: String, lineno: usize, for_sample: bool) -> Result<(), CheckError> {
        self.close()?;
        if let Some(&family_name) = self.claims.get(&name) {
            // The name reappears (a sample of an earlier family, or its
            // metadata), or merely collides with a name another family reads.
            let kind = if family_name || for_sample {
                K::InterleavedFamily
            } else {
                K::ClashingName
            };
            return Err(CheckError::new(lineno, 1, kind));
        }
        let kind = MetricType::Untyped;
        self.current = Some(Current {
            rules: Rules::new(self.om, kind, &name),
            family: Family {
                name,
                kind,
                help: None,
                unit: None,
                samples: Vec::new(),
            },
            has_type: false,
        });
        Ok(())
    }

    /// Checks the current family's open points and records the names it uses.
    fn close(&mut self) -> Result<(), CheckError> {
        let Some(cur) = self.current.take() else {
            return Ok(());
        };
        cur.rules.finish()?;
        let family = cur.family;
        for name in generated(&family.name, family.kind, self.om) {
            let is_family_name = name == family.name;
            self.claims.entry(name).or_insert(is_family_name);
        }
        self.families.push(family);
        Ok(())
    }
}

/// The family name and every sample name a family of `kind` reads (so, in
/// OpenMetrics, a gauge `a_created` clashes with a counter `a`).
fn generated(name: &str, kind: MetricType, om: bool) -> impl Iterator<Item = String> + '_ {
    std::iter::once(name.to_string())
        .chain(suffixes(kind, om).iter().map(move |s| format!("{name}{s}")))
}
