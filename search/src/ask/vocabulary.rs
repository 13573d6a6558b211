//! What a project's questions can mention — metrics, feature paths and their values,
//! experiments, hypotheses — and how a question's words are linked to them: exact names,
//! shared canonical words (`validation accuracy` → `val_acc`), or within a typo or two.

use std::collections::{BTreeMap, BTreeSet};

use graph::model::Direction;
use serde_json::Value as Json;

use super::words::{edit_distance, is_number, is_stopword, name_words, spellings, typo_budget};

/// A metric a question may name.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricTerm {
    /// Its name in the project.
    pub name: String,
    /// Its configured direction, if any.
    pub direction: Option<Direction>,
}

/// Everything of one project a question can refer to.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    /// The project's metrics.
    pub metrics: Vec<MetricTerm>,
    /// Every feature path any experiment has, with the distinct values it takes (as text).
    pub features: BTreeMap<String, BTreeSet<String>>,
    /// Experiment number → name.
    pub experiments: BTreeMap<i64, String>,
    /// (hypothesis id, title).
    pub hypotheses: Vec<(String, String)>,
}

/// How a mention was linked.
#[derive(Debug, Clone, PartialEq)]
pub enum Link<T> {
    /// Nothing matches.
    None,
    /// One candidate matches best.
    One(T),
    /// Several match equally well: the question must say which.
    Ambiguous(Vec<T>),
}

impl Vocabulary {
    /// Adds an experiment's full features: every leaf path and its value.
    pub fn add_features(&mut self, features: &Json) {
        let mut leaves = Vec::new();
        flatten("", features, &mut leaves);
        for (path, value) in leaves {
            self.features.entry(path).or_default().insert(value);
        }
    }

    /// Every word the vocabulary knows, for typo correction.
    pub fn known_words(&self) -> BTreeSet<String> {
        let names = self
            .metrics
            .iter()
            .map(|metric| metric.name.as_str())
            .chain(self.features.keys().map(String::as_str));
        let mut words: BTreeSet<String> = names
            .flat_map(name_words)
            .flat_map(|word| spellings(&word).into_iter().map(str::to_owned).chain([word]))
            .collect();
        for values in self.features.values() {
            words.extend(
                values
                    .iter()
                    .filter(|value| !is_number(value))
                    .map(|value| value.to_lowercase()),
            );
        }
        words
    }

    /// The metric the question's words name: the one whose words all appear wins; with none
    /// complete, the one sharing most words (a tie is ambiguous).
    pub fn link_metric(&self, words: &[String]) -> Link<MetricTerm> {
        best_by_words(&self.metrics, |metric| &metric.name, words)
    }

    /// The feature path the question's words name: a literal path, else a path whose last
    /// segment's words all appear (the one with most words present wins; a tie is ambiguous).
    pub fn link_feature(&self, tokens: &[String], words: &[String]) -> Link<String> {
        if let Some(path) = tokens.iter().find_map(|token| self.exact_path(token)) {
            return Link::One(path);
        }
        let present: BTreeSet<&str> = words.iter().map(String::as_str).collect();
        let mut scored: Vec<(usize, &String)> = self
            .features
            .keys()
            .filter_map(|path| {
                let leaf = path.rsplit('.').next().unwrap_or(path);
                let leaf_words = name_words(leaf);
                let leaf_present = !leaf_words.is_empty()
                    && leaf_words
                        .iter()
                        .all(|word| present.contains(word.as_str()) && !is_stopword(word));
                leaf_present.then(|| {
                    let all = name_words(path);
                    (
                        all.iter().filter(|word| present.contains(word.as_str())).count(),
                        path,
                    )
                })
            })
            .collect();
        scored.sort_by_key(|candidate| std::cmp::Reverse(candidate.0));
        match scored.as_slice() {
            [] => Link::None,
            [(best, path), rest @ ..] => {
                let tied: Vec<String> = rest
                    .iter()
                    .filter(|(score, _)| score == best)
                    .map(|(_, path)| (*path).clone())
                    .collect();
                if tied.is_empty() {
                    Link::One((*path).clone())
                } else {
                    Link::Ambiguous(std::iter::once((*path).clone()).chain(tied).collect())
                }
            }
        }
    }

    fn exact_path(&self, token: &str) -> Option<String> {
        self.features
            .keys()
            .find(|path| path.to_lowercase() == token)
            .cloned()
    }

    /// The paths that take `value` (compared as lower-cased text) in some experiment.
    pub fn paths_with_value(&self, value: &str) -> Vec<String> {
        self.features
            .iter()
            .filter(|(_, values)| values.iter().any(|known| known.to_lowercase() == value))
            .map(|(path, _)| path.clone())
            .collect()
    }

    /// The experiment a token names: `12`, `#12`, or an experiment's exact name.
    pub fn experiment_of(&self, token: &str) -> Option<i64> {
        let digits = token.trim_start_matches('#');
        if let Ok(number) = digits.parse::<i64>() {
            return Some(number);
        }
        self.experiments
            .iter()
            .find(|(_, name)| name.to_lowercase() == digits)
            .map(|(number, _)| *number)
    }
}

fn best_by_words<T: Clone>(candidates: &[T], name: impl Fn(&T) -> &String, words: &[String]) -> Link<T> {
    let present: BTreeSet<&str> = words.iter().map(String::as_str).collect();
    // (complete, shared words, fewer extra words) — higher is better.
    let mut scored: Vec<((bool, usize, i64), &T)> = candidates
        .iter()
        .filter_map(|candidate| {
            let candidate_words = name_words(name(candidate));
            if candidate_words.is_empty() {
                return None;
            }
            let exact = present.contains(name(candidate).to_lowercase().as_str());
            let shared = candidate_words
                .iter()
                .filter(|word| present.contains(word.as_str()))
                .count();
            let complete = exact || shared == candidate_words.len();
            let extra = candidate_words.len() as i64 - shared as i64;
            (shared > 0 || exact).then_some(((complete, shared + usize::from(exact) * 10, -extra), candidate))
        })
        .collect();
    scored.sort_by_key(|candidate| std::cmp::Reverse(candidate.0));
    match scored.as_slice() {
        [] => Link::None,
        [(best, first), rest @ ..] => {
            let tied: Vec<T> = rest
                .iter()
                .filter(|(score, _)| score == best)
                .map(|(_, candidate)| (*candidate).clone())
                .collect();
            if tied.is_empty() {
                Link::One((*first).clone())
            } else {
                Link::Ambiguous(std::iter::once((*first).clone()).chain(tied).collect())
            }
        }
    }
}

/// Corrects a word within its typo budget to the nearest known word (the first of equals).
pub fn correct<'a>(word: &str, known: &'a BTreeSet<String>) -> Option<&'a String> {
    let budget = typo_budget(word);
    if budget == 0 || known.contains(word) || is_number(word) {
        return None;
    }
    known
        .iter()
        .map(|candidate| (edit_distance(word, candidate), candidate))
        .filter(|(distance, candidate)| *distance <= budget && *distance < candidate.chars().count())
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Leaf paths of a feature tree with their values as text (strings unquoted).
pub fn flatten(prefix: &str, value: &Json, leaves: &mut Vec<(String, String)>) {
    match value {
        Json::Object(map) => {
            for (key, child) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&path, child, leaves);
            }
        }
        Json::String(text) if !prefix.is_empty() => leaves.push((prefix.to_owned(), text.clone())),
        other if !prefix.is_empty() => leaves.push((prefix.to_owned(), other.to_string())),
        _ => {}
    }
}

/// The value at a dotted `path` of a feature tree.
pub fn feature_value<'a>(features: &'a Json, path: &str) -> Option<&'a Json> {
    path.split('.').try_fold(features, |node, key| node.get(key))
}

/// A feature value as text (strings unquoted), as questions write it.
pub fn value_text(value: &Json) -> String {
    match value {
        Json::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Whether a stored value equals what a question wrote (`0.001` matches `1e-3`).
pub fn value_matches(stored: &Json, written: &str) -> bool {
    match (stored.as_f64(), written.parse::<f64>()) {
        (Some(number), Ok(parsed)) => (number - parsed).abs() <= f64::EPSILON * number.abs().max(1.0),
        _ => value_text(stored).to_lowercase() == written.to_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ask::words::{question_words, tokens};
    use serde_json::json;

    fn vocabulary() -> Vocabulary {
        let mut vocabulary = Vocabulary {
            metrics: ["val_acc", "val_loss", "train_loss"]
                .iter()
                .map(|name| MetricTerm {
                    name: (*name).to_owned(),
                    direction: None,
                })
                .collect(),
            ..Vocabulary::default()
        };
        vocabulary
            .add_features(&json!({"optimizer": {"name": "adamw", "lr": 0.001}, "model": {"depth": 12}}));
        vocabulary
    }

    fn linked_metric(question: &str) -> Link<String> {
        match vocabulary().link_metric(&question_words(&tokens(question))) {
            Link::None => Link::None,
            Link::One(metric) => Link::One(metric.name),
            Link::Ambiguous(metrics) => Link::Ambiguous(metrics.into_iter().map(|m| m.name).collect()),
        }
    }

    #[test]
    fn metrics_link_by_name_synonyms_and_ambiguity() {
        assert_eq!(linked_metric("best val_acc"), Link::One("val_acc".into()));
        assert_eq!(
            linked_metric("highest validation accuracy"),
            Link::One("val_acc".into())
        );
        assert_eq!(linked_metric("accuracy please"), Link::One("val_acc".into()));
        assert_eq!(
            linked_metric("lowest loss"),
            Link::Ambiguous(vec!["val_loss".into(), "train_loss".into()])
        );
        assert_eq!(linked_metric("training loss"), Link::One("train_loss".into()));
        assert_eq!(linked_metric("nothing here"), Link::None);
    }

    #[test]
    fn features_link_by_path_or_leaf_and_values_by_text() {
        let vocabulary = vocabulary();
        let question = tokens("what did changing the learning rate do");
        assert_eq!(
            vocabulary.link_feature(&question, &question_words(&question)),
            Link::One("optimizer.lr".into())
        );
        let literal = tokens("runs that changed model.depth");
        assert_eq!(
            vocabulary.link_feature(&literal, &question_words(&literal)),
            Link::One("model.depth".into())
        );
        assert_eq!(
            vocabulary.paths_with_value("adamw"),
            vec!["optimizer.name".to_owned()]
        );
        assert!(value_matches(&json!(0.001), "1e-3"));
        assert!(value_matches(&json!("AdamW"), "adamw"));
    }

    #[test]
    fn typos_are_corrected_within_budget() {
        let known = vocabulary().known_words();
        assert_eq!(correct("acuracy", &known).map(String::as_str), Some("accuracy"));
        assert_eq!(correct("adamv", &known).map(String::as_str), Some("adamw"));
        assert_eq!(correct("zebra", &known), None);
    }
}
