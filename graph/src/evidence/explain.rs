//! The plain-language explanation of a hypothesis's evidence, e.g. "Supported (E = 3.4):
//! 4 of 5 linked runs improve val_acc over their baseline by 0.08–0.16, 1 worsens it by
//! 0.02; run 12 carries most weight."

use std::fmt::Write as _;

use super::evaluate::HypothesisEvidence;
use crate::model::HypothesisStatus;

/// Explains `evidence` in one deterministic sentence. `metric_names` are the target metrics'
/// names in the order of the targets the evidence was computed with.
///
/// The sentence names the status (and a manual override with the computed status), the
/// score, per target metric how many runs with a unit improve or worsen it and by how much
/// (the range of the raw deltas, in the metric's units), the run with the largest absolute
/// contribution when there are several, and how many linked runs are still unfinished.
pub fn explain(evidence: &HypothesisEvidence, metric_names: &[&str]) -> String {
    let mut sentence = String::new();
    let score = format_number(evidence.score);
    let status = status_label(evidence.effective_status);
    if evidence.overridden {
        let computed = evidence.computed_status.as_str();
        let _ = write!(
            sentence,
            "{status} by manual override (computed: {computed}, E = {score}): "
        );
    } else {
        let _ = write!(sentence, "{status} (E = {score}): ");
    }

    if evidence.linked_experiments == 0 {
        sentence.push_str("no experiments linked yet.");
        return sentence;
    }

    let mut clauses: Vec<String> = Vec::new();
    if evidence.units.is_empty() {
        let names = join_with_or(metric_names);
        clauses.push(format!(
            "no linked run has both a value and a baseline for {names} yet"
        ));
    } else {
        let metric_count = evidence
            .units
            .iter()
            .map(|unit| unit.metric + 1)
            .max()
            .unwrap_or(0);
        for metric in 0..metric_count {
            if let Some(clause) = metric_clause(evidence, metric, metric_names) {
                clauses.push(clause);
            }
        }
        if let Some(heaviest) = heaviest_experiment(evidence) {
            clauses.push(format!("run {heaviest} carries most weight"));
        }
    }
    if evidence.unfinished_experiments > 0 {
        let unfinished = evidence.unfinished_experiments;
        let (noun, verb) = if unfinished == 1 {
            ("run", "is")
        } else {
            ("runs", "are")
        };
        clauses.push(format!(
            "{unfinished} linked {noun} {verb} still planned or running"
        ));
    }
    sentence.push_str(&clauses.join("; "));
    sentence.push('.');
    sentence
}

/// "4 of 5 linked runs improve val_acc over their baseline by 0.08–0.16, 1 worsens it by
/// 0.02", or `None` when the metric has no unit.
fn metric_clause(evidence: &HypothesisEvidence, metric: usize, metric_names: &[&str]) -> Option<String> {
    let mut with_unit = 0usize;
    let mut improving = DeltaRange::default();
    let mut worsening = DeltaRange::default();
    for unit in evidence.units.iter().filter(|unit| unit.metric == metric) {
        with_unit += 1;
        if unit.delta > 0.0 {
            improving.add(unit.delta);
        } else if unit.delta < 0.0 {
            worsening.add(-unit.delta);
        }
    }
    if with_unit == 0 {
        return None;
    }
    let name = metric_names
        .get(metric)
        .map_or_else(|| format!("metric {metric}"), |name| (*name).to_owned());
    let noun = if with_unit == 1 { "run" } else { "runs" };
    let (verb, pronoun) = if improving.count == 1 {
        ("improves", "its")
    } else {
        ("improve", "their")
    };
    let mut clause = format!(
        "{} of {with_unit} linked {noun} {verb} {name} over {pronoun} baseline",
        improving.count
    );
    if improving.count > 0 {
        let _ = write!(clause, " by {}", improving.describe());
    }
    if worsening.count > 0 {
        let verb = if worsening.count == 1 { "worsens" } else { "worsen" };
        let _ = write!(
            clause,
            ", {} {verb} it by {}",
            worsening.count,
            worsening.describe()
        );
    }
    Some(clause)
}

/// The experiment with the largest absolute contribution (the first on a tie), when there
/// are several experiments and it contributes something.
fn heaviest_experiment(evidence: &HypothesisEvidence) -> Option<i64> {
    if evidence.per_experiment.len() < 2 {
        return None;
    }
    let mut heaviest: Option<(i64, f64)> = None;
    for experiment in &evidence.per_experiment {
        let weight = experiment.contribution.abs();
        if heaviest.is_none_or(|(_, heaviest_weight)| weight > heaviest_weight) {
            heaviest = Some((experiment.experiment, weight));
        }
    }
    heaviest
        .filter(|(_, weight)| *weight > 0.0)
        .map(|(number, _)| number)
}

/// The smallest and largest of some magnitudes.
#[derive(Debug, Default)]
struct DeltaRange {
    count: usize,
    smallest: f64,
    largest: f64,
}

impl DeltaRange {
    fn add(&mut self, magnitude: f64) {
        if self.count == 0 {
            self.smallest = magnitude;
            self.largest = magnitude;
        } else {
            self.smallest = self.smallest.min(magnitude);
            self.largest = self.largest.max(magnitude);
        }
        self.count += 1;
    }

    /// "0.08–0.16", or "0.1" when the ends read the same.
    fn describe(&self) -> String {
        let smallest = format_number(self.smallest);
        let largest = format_number(self.largest);
        if smallest == largest {
            return smallest;
        }
        format!("{smallest}–{largest}")
    }
}

/// The capitalised word that opens an explanation.
fn status_label(status: HypothesisStatus) -> &'static str {
    match status {
        HypothesisStatus::Proposed => "Proposed",
        HypothesisStatus::Testing => "Testing",
        HypothesisStatus::Supported => "Supported",
        HypothesisStatus::Refuted => "Refuted",
        HypothesisStatus::Inconclusive => "Inconclusive",
    }
}

/// "a", "a or b", "a, b or c".
fn join_with_or(names: &[&str]) -> String {
    match names {
        [] => "any target metric".to_owned(),
        [only] => (*only).to_owned(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// Three significant digits, trailing zeros dropped: 0.8, 1.6, 0.0123, 123, 12345.
fn format_number(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return if value.is_finite() {
            "0".to_owned()
        } else {
            value.to_string()
        };
    }
    let magnitude = value.abs().log10().floor() as i32;
    let decimals = (2 - magnitude).clamp(0, 12) as usize;
    let text = format!("{value:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        &text
    };
    if text == "-0" {
        return "0".to_owned();
    }
    text.to_owned()
}

#[cfg(test)]
#[path = "explain_tests.rs"]
mod tests;
