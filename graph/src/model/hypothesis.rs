//! Hypotheses: statements a team tests with experiments (`TESTED_BY`), about features
//! (`ABOUT`), judged on target metrics (`TARGETS {weight}`) against a baseline.
//!
//! The evidence model (a later step) fills the computed fields: `computed_status`,
//! `evidence_score` and `computed_at`. A manual override, when set, wins over the computed
//! status; both stay visible.

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::ids::{HypothesisId, ProjectId, UserId};
use crate::model::Direction;

/// The longest title, in characters.
pub const MAX_TITLE_LENGTH: usize = 200;
/// The longest description, in characters.
pub const MAX_DESCRIPTION_LENGTH: usize = 20_000;
/// The longest override reason, in characters.
pub const MAX_REASON_LENGTH: usize = 2_000;
/// The largest weight of a target metric.
pub const MAX_TARGET_WEIGHT: f64 = 1_000.0;
/// The most target metrics of one hypothesis.
pub const MAX_TARGETS: usize = 100;
/// The most related features of one hypothesis.
pub const MAX_ABOUT: usize = 100;
/// The longest related feature path, in characters.
pub const MAX_FEATURE_PATH_LENGTH: usize = 1_000;
/// The most experiment numbers one link or unlink names.
pub const MAX_LINKS_PER_CALL: usize = 1_000;
/// The longest title search text, in characters.
pub const MAX_SEARCH_LENGTH: usize = 200;

/// What the evidence says about a hypothesis (or what an override says it is).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HypothesisStatus {
    /// Stated, no evidence yet.
    Proposed,
    /// Evidence is coming in: linked runs are still running.
    Testing,
    /// The evidence supports it.
    Supported,
    /// The evidence refutes it.
    Refuted,
    /// Every linked run is done and the evidence decides neither way.
    Inconclusive,
}

impl HypothesisStatus {
    /// Every status, in their natural order.
    pub const ALL: [HypothesisStatus; 5] = [
        HypothesisStatus::Proposed,
        HypothesisStatus::Testing,
        HypothesisStatus::Supported,
        HypothesisStatus::Refuted,
        HypothesisStatus::Inconclusive,
    ];

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            HypothesisStatus::Proposed => "proposed",
            HypothesisStatus::Testing => "testing",
            HypothesisStatus::Supported => "supported",
            HypothesisStatus::Refuted => "refuted",
            HypothesisStatus::Inconclusive => "inconclusive",
        }
    }

    /// Reads the stored spelling.
    pub fn parse(text: &str) -> Result<Self> {
        HypothesisStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
            .ok_or_else(|| {
                Error::invalid(
                    "status",
                    format!("`{text}` is not one of proposed, testing, supported, refuted, inconclusive"),
                )
            })
    }
}

/// What a linked experiment is compared against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum HypothesisBaseline {
    /// Its primary parent.
    #[default]
    Parent,
    /// The root of its primary chain.
    Root,
    /// The project's best experiment by each target metric (other than itself).
    Best,
    /// One named experiment of the project, by number.
    Experiment(i64),
}

impl HypothesisBaseline {
    /// The stored spelling of the kind (`experiment` keeps its number beside it).
    pub fn kind(self) -> &'static str {
        match self {
            HypothesisBaseline::Parent => "parent",
            HypothesisBaseline::Root => "root",
            HypothesisBaseline::Best => "best",
            HypothesisBaseline::Experiment(_) => "experiment",
        }
    }

    /// The number of the named experiment, for [`HypothesisBaseline::Experiment`].
    pub fn experiment(self) -> Option<i64> {
        match self {
            HypothesisBaseline::Experiment(number) => Some(number),
            _ => None,
        }
    }

    /// Reads the stored kind and number.
    pub fn parse(kind: &str, experiment: Option<i64>) -> Result<Self> {
        match (kind, experiment) {
            ("parent", _) => Ok(HypothesisBaseline::Parent),
            ("root", _) => Ok(HypothesisBaseline::Root),
            ("best", _) => Ok(HypothesisBaseline::Best),
            ("experiment", Some(number)) => Ok(HypothesisBaseline::Experiment(number)),
            (other, _) => Err(Error::Internal(format!("stored baseline `{other}` is unknown"))),
        }
    }
}

/// A manual status that wins over the computed one.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusOverride {
    /// The status it sets.
    pub status: HypothesisStatus,
    /// Why (1 to 2,000 characters).
    pub reason: String,
    /// Who set it.
    pub author: UserId,
    /// When.
    pub at: DateTime<Utc>,
}

/// A stored hypothesis (its targets, features and linked experiments are read on demand).
#[derive(Debug, Clone, PartialEq)]
pub struct Hypothesis {
    /// Its id (UUIDv7).
    pub id: HypothesisId,
    /// Its project.
    pub project_id: ProjectId,
    /// One line, 1 to 200 characters.
    pub title: String,
    /// Free text, at most 20,000 characters.
    pub description: String,
    /// The user who created it.
    pub author: UserId,
    /// What linked experiments are compared against.
    pub baseline: HypothesisBaseline,
    /// The status the evidence gives (`proposed` until the evidence model computes one).
    pub computed_status: HypothesisStatus,
    /// The manual override, if any.
    pub status_override: Option<StatusOverride>,
    /// E_hypothesis, once computed.
    pub evidence_score: Option<f64>,
    /// When the evidence was last computed.
    pub computed_at: Option<DateTime<Utc>>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it, its targets, features, baseline, links or override last changed.
    pub updated_at: DateTime<Utc>,
}

impl Hypothesis {
    /// The status to show: the override's when set, else the computed one.
    pub fn status(&self) -> HypothesisStatus {
        self.status_override
            .as_ref()
            .map_or(self.computed_status, |status_override| status_override.status)
    }
}

/// A target metric of a hypothesis (a `TARGETS` edge).
#[derive(Debug, Clone, PartialEq)]
pub struct HypothesisTarget {
    /// The metric's name in the project.
    pub metric: String,
    /// Its weight in the evidence score, in (0, 1000].
    pub weight: f64,
    /// The metric's configured direction; `None` while it is unconfigured.
    pub direction: Option<Direction>,
}

/// A target metric as given on input.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetInput {
    /// The name of a metric the project has (logged or configured).
    pub metric: String,
    /// Finite, above 0, at most 1000.
    pub weight: f64,
}

/// Input of hypothesis creation.
#[derive(Debug, Clone)]
pub struct NewHypothesis {
    /// Project name.
    pub project: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// The creator.
    pub author: UserId,
    /// Target metrics (each an existing metric of the project, at most once).
    pub targets: Vec<TargetInput>,
    /// Related feature paths (created as `Feature` nodes when missing).
    pub about: Vec<String>,
    /// Baseline; parent by default.
    pub baseline: HypothesisBaseline,
}

/// A partial update; `None` keeps the stored value, a list replaces the stored one.
#[derive(Debug, Clone, Default)]
pub struct HypothesisUpdate {
    /// New title.
    pub title: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New target metrics (replace them all).
    pub targets: Option<Vec<TargetInput>>,
    /// New related features (replace them all).
    pub about: Option<Vec<String>>,
    /// New baseline.
    pub baseline: Option<HypothesisBaseline>,
}

/// Filters of a hypothesis list.
#[derive(Debug, Clone, Default)]
pub struct HypothesisFilter {
    /// Only this effective status.
    pub status: Option<HypothesisStatus>,
    /// Only titles containing this text (case-insensitive).
    pub search: Option<String>,
    /// Only hypotheses this experiment (by number) is linked to.
    pub experiment: Option<i64>,
}

/// Checks a title: 1 to 200 characters after trimming, no control characters.
pub fn validate_title(title: &str) -> Result<String> {
    let title = title.trim();
    let length = title.chars().count();
    if length == 0 || length > MAX_TITLE_LENGTH || title.chars().any(char::is_control) {
        return Err(Error::invalid(
            "title",
            format!("must be 1 to {MAX_TITLE_LENGTH} characters without control characters"),
        ));
    }
    Ok(title.to_owned())
}

/// Checks a description: at most 20,000 characters, no NUL.
pub fn validate_description(description: &str) -> Result<()> {
    if description.chars().count() > MAX_DESCRIPTION_LENGTH {
        return Err(Error::invalid(
            "description",
            format!("is longer than {MAX_DESCRIPTION_LENGTH} characters"),
        ));
    }
    if description.contains('\0') {
        return Err(Error::invalid("description", "must not contain NUL characters"));
    }
    Ok(())
}

/// Checks an override reason: 1 to 2,000 characters after trimming, no NUL.
pub fn validate_reason(reason: &str) -> Result<String> {
    let reason = reason.trim();
    let length = reason.chars().count();
    if length == 0 || length > MAX_REASON_LENGTH || reason.contains('\0') {
        return Err(Error::invalid(
            "reason",
            format!("an override needs a reason of 1 to {MAX_REASON_LENGTH} characters"),
        ));
    }
    Ok(reason.to_owned())
}

/// Checks each weight and that no metric repeats; metric existence is checked against the
/// project by the service.
pub fn validate_targets(targets: &[TargetInput]) -> Result<()> {
    if targets.len() > MAX_TARGETS {
        return Err(Error::invalid(
            "targets",
            format!("at most {MAX_TARGETS} target metrics"),
        ));
    }
    for (position, target) in targets.iter().enumerate() {
        let weight = target.weight;
        if !weight.is_finite() || weight <= 0.0 || weight > MAX_TARGET_WEIGHT {
            return Err(Error::invalid(
                format!("targets[{position}].weight"),
                format!("must be above 0 and at most {MAX_TARGET_WEIGHT}, found {weight}"),
            ));
        }
        if targets[..position]
            .iter()
            .any(|earlier| earlier.metric == target.metric)
        {
            return Err(Error::invalid(
                format!("targets[{position}].metric"),
                format!("`{}` is targeted twice", target.metric),
            ));
        }
    }
    Ok(())
}

/// Trims, checks and de-duplicates related feature paths (keeping first occurrences).
pub fn normalize_about(about: Vec<String>) -> Result<Vec<String>> {
    let mut paths: Vec<String> = Vec::with_capacity(about.len());
    for (position, path) in about.into_iter().enumerate() {
        let path = path.trim().to_owned();
        let length = path.chars().count();
        if length == 0 || length > MAX_FEATURE_PATH_LENGTH || path.chars().any(char::is_control) {
            return Err(Error::invalid(
                format!("about[{position}]"),
                format!("a feature path must be 1 to {MAX_FEATURE_PATH_LENGTH} characters without control characters"),
            ));
        }
        if !paths.contains(&path) {
            paths.push(path);
        }
    }
    if paths.len() > MAX_ABOUT {
        return Err(Error::invalid("about", format!("at most {MAX_ABOUT} features")));
    }
    Ok(paths)
}

/// Checks the experiment numbers of a link or unlink and removes repeats.
pub fn normalize_numbers(numbers: &[i64]) -> Result<Vec<i64>> {
    if numbers.is_empty() || numbers.len() > MAX_LINKS_PER_CALL {
        return Err(Error::invalid(
            "numbers",
            format!("name 1 to {MAX_LINKS_PER_CALL} experiments"),
        ));
    }
    let mut unique: Vec<i64> = Vec::with_capacity(numbers.len());
    for (position, number) in numbers.iter().enumerate() {
        if *number < 1 {
            return Err(Error::invalid(
                format!("numbers[{position}]"),
                format!("{number} is not an experiment number"),
            ));
        }
        if !unique.contains(number) {
            unique.push(*number);
        }
    }
    Ok(unique)
}

/// Checks a title search text: at most 200 characters, no control characters.
pub fn validate_search(search: &str) -> Result<()> {
    if search.chars().count() > MAX_SEARCH_LENGTH || search.chars().any(char::is_control) {
        return Err(Error::invalid(
            "search",
            format!("must be at most {MAX_SEARCH_LENGTH} characters without control characters"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(metric: &str, weight: f64) -> TargetInput {
        TargetInput {
            metric: metric.into(),
            weight,
        }
    }

    #[test]
    fn statuses_round_trip_through_their_stored_spelling() {
        for status in HypothesisStatus::ALL {
            assert_eq!(HypothesisStatus::parse(status.as_str()).expect("parses"), status);
        }
        assert!(HypothesisStatus::parse("maybe").is_err());
    }

    #[test]
    fn baselines_round_trip_through_kind_and_number() {
        for baseline in [
            HypothesisBaseline::Parent,
            HypothesisBaseline::Root,
            HypothesisBaseline::Best,
            HypothesisBaseline::Experiment(7),
        ] {
            let parsed = HypothesisBaseline::parse(baseline.kind(), baseline.experiment()).expect("parses");
            assert_eq!(parsed, baseline);
        }
    }

    #[test]
    fn titles_are_trimmed_and_bounded() {
        assert_eq!(validate_title("  AdamW wins ").expect("valid"), "AdamW wins");
        for bad in ["", "   ", "a\nb", &"x".repeat(201)] {
            let error = validate_title(bad).expect_err("refused");
            assert!(error.to_string().starts_with("title:"), "{error}");
        }
        assert!(validate_title(&"é".repeat(200)).is_ok());
    }

    #[test]
    fn a_bad_weight_or_a_repeated_metric_is_refused_by_position() {
        assert!(validate_targets(&[target("a", 1.0), target("b", 1000.0)]).is_ok());
        for bad in [0.0, -1.0, 1000.5, f64::NAN, f64::INFINITY] {
            let error = validate_targets(&[target("a", 1.0), target("b", bad)]).expect_err("refused");
            assert!(error.to_string().starts_with("targets[1].weight:"), "{error}");
        }
        let error = validate_targets(&[target("a", 1.0), target("a", 2.0)]).expect_err("repeat");
        assert!(error.to_string().starts_with("targets[1].metric:"), "{error}");
    }

    #[test]
    fn reasons_are_required_and_bounded() {
        assert!(validate_reason(" ").is_err());
        assert!(validate_reason(&"r".repeat(2001)).is_err());
        assert_eq!(validate_reason(" seed noise ").expect("valid"), "seed noise");
    }

    #[test]
    fn feature_paths_and_numbers_are_checked_and_deduplicated() {
        assert_eq!(
            normalize_about(vec![
                "optimizer.lr".into(),
                " optimizer.lr ".into(),
                "seed".into()
            ])
            .expect("valid"),
            vec!["optimizer.lr", "seed"]
        );
        let error = normalize_about(vec!["a".into(), "".into()]).expect_err("empty");
        assert!(error.to_string().starts_with("about[1]:"), "{error}");
        assert_eq!(normalize_numbers(&[3, 1, 3]).expect("valid"), vec![3, 1]);
        assert!(normalize_numbers(&[]).is_err());
        let error = normalize_numbers(&[1, 0]).expect_err("zero");
        assert!(error.to_string().starts_with("numbers[1]:"), "{error}");
    }

    #[test]
    fn the_override_wins_over_the_computed_status() {
        let mut hypothesis = Hypothesis {
            id: HypothesisId::generate(),
            project_id: ProjectId::generate(),
            title: "t".into(),
            description: String::new(),
            author: UserId("u".into()),
            baseline: HypothesisBaseline::Parent,
            computed_status: HypothesisStatus::Supported,
            status_override: None,
            evidence_score: None,
            computed_at: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        };
        assert_eq!(hypothesis.status(), HypothesisStatus::Supported);
        hypothesis.status_override = Some(StatusOverride {
            status: HypothesisStatus::Refuted,
            reason: "leak in the validation split".into(),
            author: UserId("u".into()),
            at: Utc::now(),
        });
        assert_eq!(hypothesis.status(), HypothesisStatus::Refuted);
    }
}
