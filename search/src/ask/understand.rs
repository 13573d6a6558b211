//! From a question to what it asks: the intent, the entities it names (linked to the project's
//! vocabulary) and its filters — or a clarifying answer when a name is unknown or ambiguous.
//! Deterministic and offline: keyword rules over canonical words, no model.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use graph::model::Status;

use super::vocabulary::{correct, Link, MetricTerm, Vocabulary};
use super::words::{canonical, is_number, question_words, tokens};

/// How a ranking orders runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Best first by the metric's direction.
    Best,
    /// Worst first by the metric's direction.
    Worst,
    /// Largest value first, whatever the direction.
    Highest,
    /// Smallest value first, whatever the direction.
    Lowest,
}

/// A lineage relation of one experiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    Ancestors,
    Descendants,
    Children,
    Parents,
    Siblings,
}

/// Which runs a status question is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    /// Runs of one stored status.
    Is(Status),
    /// Running runs with no news for a while.
    Stalled,
}

/// Conditions on the runs a ranking considers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    pub status: Option<Status>,
    /// (feature path, value as the question wrote it).
    pub features: Vec<(String, String)>,
    pub since: Option<DateTime<Utc>>,
    pub before: Option<DateTime<Utc>>,
    /// Only this experiment and its descendants.
    pub under: Option<i64>,
}

/// What a question asks.
#[derive(Debug, Clone, PartialEq)]
pub enum Intent {
    /// Best (or worst, highest, lowest) runs by a metric.
    Rank {
        metric: MetricTerm,
        order: Order,
        limit: usize,
        filters: Filters,
    },
    /// Runs that changed a feature and, with a metric, what it did to it.
    FeatureEffect {
        path: String,
        metric: Option<MetricTerm>,
    },
    /// Which feature changes helped a metric most.
    FeatureImpact { metric: MetricTerm },
    /// Ancestors, descendants, children, parents or siblings of a run.
    Lineage { relation: Relation, experiment: i64 },
    /// What changed between two runs.
    Compare { a: i64, b: i64 },
    /// Status and evidence of a hypothesis, found by the question's words.
    Hypothesis { words: Vec<String> },
    /// Runs of a status (or stalled), or only how many.
    Runs {
        status: Option<StatusFilter>,
        count_only: bool,
    },
    /// A metric of a run, at a step or its last value.
    MetricAt {
        metric: MetricTerm,
        experiment: i64,
        step: Option<i64>,
    },
    /// What a run changed and what it did, in a few sentences.
    Summarize { experiment: i64 },
    /// What to run next.
    Recommend,
    /// Hypotheses the feature effects suggest.
    SuggestHypotheses,
}

/// The planner's reading of a question.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading {
    /// Understood: the intent and notes on how (typos corrected, defaults assumed).
    Understood { intent: Intent, notes: Vec<String> },
    /// Not answerable as asked: what to ask instead.
    Clarify(Clarification),
}

/// A clarifying answer: what is unclear, and names or questions to try instead.
#[derive(Debug, Clone, PartialEq)]
pub struct Clarification {
    pub message: String,
    pub suggestions: Vec<String>,
    /// Nothing in the question matched a known kind of question (a name that is unknown or
    /// ambiguous is not this): the language model, when one is configured, may try.
    pub understood_nothing: bool,
}

/// Example questions offered when a question is not understood.
pub const EXAMPLES: &[&str] = &[
    "best 5 runs by val_acc",
    "which runs changed optimizer.lr and what did it do to val_acc",
    "ancestors of run 12",
    "what changed between 3 and 7",
    "is the hypothesis about AdamW supported",
    "which feature changes helped val_acc most",
    "which runs are failed",
    "val_loss of run 12 at step 500",
    "summarize run 12",
    "what should I run next",
];

const DEFAULT_LIMIT: usize = 5;
const MAX_LIMIT: usize = 100;

/// A question's tokens with the positions that entities have already used.
struct Question {
    tokens: Vec<String>,
    words: Vec<String>,
}

impl Question {
    fn has(&self, word: &str) -> bool {
        self.words.iter().any(|w| w == word)
    }

    fn has_any(&self, words: &[&str]) -> bool {
        words.iter().any(|word| self.has(word))
    }

    fn text(&self) -> String {
        format!(" {} ", self.tokens.join(" "))
    }

    fn contains(&self, phrase: &str) -> bool {
        self.text().contains(&format!(" {phrase} "))
    }

    /// The token after the first occurrence of any of `markers`.
    fn after(&self, markers: &[&str]) -> Option<&str> {
        self.tokens
            .windows(2)
            .find(|pair| markers.contains(&pair[0].as_str()))
            .map(|pair| pair[1].as_str())
    }
}

/// Reads `question` against `vocabulary`; `now` anchors relative dates.
pub fn read(question: &str, vocabulary: &Vocabulary, now: DateTime<Utc>) -> Reading {
    let mut notes = Vec::new();
    let known = vocabulary.known_words();
    let mut raw_tokens = tokens(question);
    for token in &mut raw_tokens {
        if is_keyword(token) || vocabulary.experiment_of(token).is_some() {
            continue;
        }
        if let Some(corrected) = correct(token, &known) {
            notes.push(format!("read \"{token}\" as \"{corrected}\""));
            *token = corrected.clone();
        }
    }
    // Parts of compound tokens (`val_acuracy`) get the same tolerance as words.
    let mut words = question_words(&raw_tokens);
    for word in &mut words {
        if is_keyword(word) || super::words::is_stopword(word) {
            continue;
        }
        if let Some(corrected) = correct(word, &known) {
            notes.push(format!("read \"{word}\" as \"{corrected}\""));
            *word = canonical(corrected).to_owned();
        }
    }
    let question = Question {
        words,
        tokens: raw_tokens,
    };
    match intent_of(&question, vocabulary, now, &mut notes) {
        Ok(intent) => Reading::Understood { intent, notes },
        Err(clarification) => Reading::Clarify(clarification),
    }
}

/// Words the rules read, which typo correction must leave alone.
fn is_keyword(token: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "best",
        "worst",
        "top",
        "highest",
        "lowest",
        "most",
        "least",
        "since",
        "after",
        "before",
        "under",
        "below",
        "step",
        "at_step",
        "changed",
        "change",
        "changing",
        "compare",
        "diff",
        "versus",
        "vs",
        "ancestors",
        "descendants",
        "children",
        "child",
        "parent",
        "parents",
        "siblings",
        "sibling",
        "lineage",
        "history",
        "hypothesis",
        "hypotheses",
        "supported",
        "refuted",
        "evidence",
        "helped",
        "help",
        "improved",
        "hurt",
        "summarize",
        "summarise",
        "summary",
        "recommend",
        "next",
        "suggest",
        "how_many",
        "count",
        "today",
        "yesterday",
        "last",
        "days",
        "week",
        "stalled",
        "running",
        "failed",
        "planned",
        "complete",
        "effect",
        "impact",
        "what",
        "which",
        "with",
        "without",
        "where",
        "show",
        "list",
        "runs",
        "run",
        "try",
        "affect",
        "affected",
        "lineage",
        "status",
        "between",
    ];
    KEYWORDS.contains(&token) || is_number(token) || token.starts_with('#')
}

fn intent_of(
    question: &Question,
    vocabulary: &Vocabulary,
    now: DateTime<Utc>,
    notes: &mut Vec<String>,
) -> Result<Intent, Clarification> {
    let experiments = experiment_mentions(question, vocabulary)?;
    let step = question
        .after(&["at_step", "step"])
        .and_then(|token| token.parse::<i64>().ok());

    if question.has_any(&["summarize", "summarise", "summary"]) || question.contains("what happened in") {
        return Ok(Intent::Summarize {
            experiment: one_experiment(&experiments, "summarize")?,
        });
    }
    if question.has_any(&["suggest"]) && question.has_any(&["hypothesis", "hypotheses"]) {
        return Ok(Intent::SuggestHypotheses);
    }
    if question.has_any(&["recommend", "recommendation", "recommendations"])
        || question.contains("what should i run")
        || question.contains("what should i try")
        || question.contains("what to try")
        || question.contains("what next")
        || question.contains("next experiment")
    {
        return Ok(Intent::Recommend);
    }
    let comparing = question.has_any(&["compare", "diff", "difference", "differences", "vs", "versus"])
        || (question.has_any(&["changed", "change"]) && question.has("between"));
    if comparing {
        let mut experiments = experiments;
        if experiments.len() < 2 {
            // `diff 4 10`: bare numbers name runs when comparing.
            for token in &question.tokens {
                if let Some(number) = token
                    .parse::<i64>()
                    .ok()
                    .filter(|n| vocabulary.experiments.contains_key(n))
                {
                    if !experiments.contains(&number) {
                        experiments.push(number);
                    }
                }
            }
        }
        return match experiments.as_slice() {
            [a, b, ..] => Ok(Intent::Compare { a: *a, b: *b }),
            _ => Err(clarify(
                "Which two runs should I compare? For example: \"what changed between 3 and 7\".",
                &[] as &[&str],
            )),
        };
    }
    if question.has_any(&["hypothesis", "hypotheses", "supported", "refuted", "evidence"]) {
        let words = question
            .tokens
            .iter()
            .filter(|token| !is_keyword(token) && !super::words::is_stopword(token))
            .cloned()
            .collect();
        return Ok(Intent::Hypothesis { words });
    }

    let metric = match vocabulary.link_metric(&question.words) {
        Link::One(metric) => Some(metric),
        Link::Ambiguous(metrics) => {
            let names: Vec<String> = metrics.into_iter().map(|metric| metric.name).collect();
            return Err(clarify(
                &format!("Did you mean {}?", alternatives(&names)),
                &names,
            ));
        }
        Link::None => None,
    };
    let relation = relation_of(question);
    let ranking = question.has_any(&["best", "worst", "lowest", "most", "least"]);

    if let (Some(metric), [experiment]) = (&metric, experiments.as_slice()) {
        if !ranking && relation.is_none() {
            return Ok(Intent::MetricAt {
                metric: metric.clone(),
                experiment: *experiment,
                step,
            });
        }
    }
    let changing = question.has_any(&[
        "changed", "change", "changing", "changes", "set", "effect", "impact", "helped", "help", "improved",
        "hurt", "affect", "affected",
    ]);
    if changing {
        let feature = vocabulary.link_feature(&question.tokens, &question.words);
        match feature {
            Link::One(path) => return Ok(Intent::FeatureEffect { path, metric }),
            Link::Ambiguous(paths) => {
                return Err(clarify(
                    &format!("Did you mean {}?", alternatives(&paths)),
                    &paths,
                ));
            }
            Link::None => {
                if let Some(metric) = metric.clone() {
                    if question.has_any(&[
                        "feature", "features", "helped", "help", "improved", "hurt", "impact", "most",
                    ]) {
                        return Ok(Intent::FeatureImpact { metric });
                    }
                }
            }
        }
    }
    if let (Some(relation), Some(experiment)) = (relation, experiments.first()) {
        if !(ranking && metric.is_some()) {
            return Ok(Intent::Lineage {
                relation,
                experiment: *experiment,
            });
        }
    }
    let status = status_of(question);
    if ranking || (metric.is_some() && question.has_any(&["highest", "lowest"])) {
        let metric = match metric {
            Some(metric) => metric,
            None => default_metric(vocabulary, notes)?,
        };
        let filters = filters_of(question, vocabulary, &experiments, status, now, notes)?;
        return Ok(Intent::Rank {
            order: order_of(question),
            limit: limit_of(question),
            metric,
            filters,
        });
    }
    let counting = question.has_any(&["how_many", "count", "number"]);
    if status.is_some() || counting {
        return Ok(Intent::Runs {
            status,
            count_only: counting,
        });
    }
    if let Some(metric) = metric {
        if question.has_any(&["feature", "features"]) {
            return Ok(Intent::FeatureImpact { metric });
        }
    }
    if let [experiment] = experiments.as_slice() {
        return Ok(Intent::Summarize {
            experiment: *experiment,
        });
    }
    Err(Clarification {
        understood_nothing: true,
        ..clarify(
            "I did not understand the question. Questions I can answer look like these:",
            EXAMPLES,
        )
    })
}

fn clarify(message: &str, suggestions: &[impl AsRef<str>]) -> Clarification {
    Clarification {
        message: message.to_owned(),
        suggestions: suggestions.iter().map(|s| s.as_ref().to_owned()).collect(),
        understood_nothing: false,
    }
}

/// `a`, `a or b`, `a, b or c`.
pub fn alternatives(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [only] => only.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// Experiments the question names: `run 12`, `#12`, `experiment 12`, an experiment's name,
/// a number after `and`/`vs` following one, or (in `between 3 and 7`) both numbers.
fn experiment_mentions(question: &Question, vocabulary: &Vocabulary) -> Result<Vec<i64>, Clarification> {
    const MARKERS: &[&str] = &[
        "run",
        "runs",
        "experiment",
        "experiments",
        "exp",
        "#",
        "of",
        "between",
        "and",
        "vs",
        "versus",
        "compare",
        "diff",
        "under",
        "below",
        "summarize",
        "summarise",
        "from",
    ];
    let tokens = &question.tokens;
    let mut found = Vec::new();
    for (index, token) in tokens.iter().enumerate() {
        let previous = index.checked_sub(1).map(|i| tokens[i].as_str()).unwrap_or("");
        let by_marker = MARKERS.contains(&previous) && token.parse::<i64>().is_ok();
        let by_hash = token.starts_with('#') && token[1..].parse::<i64>().is_ok();
        let by_name = !is_number(token)
            && vocabulary
                .experiments
                .values()
                .any(|name| name.to_lowercase() == token.trim_start_matches('#'));
        let not_a_parameter = !matches!(
            previous,
            "step" | "at_step" | "top" | "best" | "worst" | "first" | "=" | "last"
        );
        if (by_marker || by_hash || by_name) && not_a_parameter {
            if let Some(number) = vocabulary.experiment_of(token) {
                found.push(number);
            }
        }
    }
    for number in &found {
        if !vocabulary.experiments.contains_key(number) {
            let range = match (
                vocabulary.experiments.keys().next(),
                vocabulary.experiments.keys().last(),
            ) {
                (Some(first), Some(last)) => format!("runs go from #{first} to #{last}"),
                _ => "it has no runs yet".to_owned(),
            };
            return Err(clarify(
                &format!("There is no run #{number} in this project; {range}."),
                &[] as &[&str],
            ));
        }
    }
    found.dedup();
    Ok(found)
}

fn one_experiment(experiments: &[i64], verb: &str) -> Result<i64, Clarification> {
    experiments.first().copied().ok_or_else(|| {
        clarify(
            &format!("Which run should I {verb}? For example: \"{verb} run 12\"."),
            &[] as &[&str],
        )
    })
}

fn relation_of(question: &Question) -> Option<Relation> {
    if question.has_any(&["ancestors", "ancestor", "lineage", "history"]) || question.contains("comes from") {
        Some(Relation::Ancestors)
    } else if question.has_any(&["descendants", "descendant", "subtree"]) || question.contains("derived from")
    {
        Some(Relation::Descendants)
    } else if question.has_any(&["children", "child"]) {
        Some(Relation::Children)
    } else if question.has_any(&["siblings", "sibling"]) {
        Some(Relation::Siblings)
    } else if question.has_any(&["parent", "parents"]) {
        Some(Relation::Parents)
    } else {
        None
    }
}

fn status_of(question: &Question) -> Option<StatusFilter> {
    if question.has("stalled") {
        return Some(StatusFilter::Stalled);
    }
    [
        ("running", Status::Running),
        ("failed", Status::Failed),
        ("complete", Status::Complete),
        ("planned", Status::Planned),
    ]
    .into_iter()
    .find(|(word, _)| question.has(word))
    .map(|(_, status)| StatusFilter::Is(status))
}

fn order_of(question: &Question) -> Order {
    // `best` is also the canonical word of `top`, `highest`, `max`: read the tokens themselves.
    let said = |words: &[&str]| {
        question
            .tokens
            .iter()
            .any(|token| words.contains(&token.as_str()))
    };
    if said(&["worst", "bottom"]) {
        Order::Worst
    } else if said(&["lowest", "smallest", "min", "minimum", "least"]) {
        Order::Lowest
    } else if said(&["highest", "largest", "greatest", "max", "maximum", "most"]) {
        Order::Highest
    } else {
        Order::Best
    }
}

fn limit_of(question: &Question) -> usize {
    let tokens = &question.tokens;
    let after = question
        .after(&["top", "best", "worst", "first", "lowest", "highest"])
        .and_then(|token| token.parse::<usize>().ok());
    let before = tokens.windows(2).find_map(|pair| {
        let ranking = matches!(canonical(&pair[1]), "best" | "worst" | "lowest");
        ranking.then(|| pair[0].parse::<usize>().ok()).flatten()
    });
    let singular_after_ranking = tokens.windows(2).any(|pair| {
        let ranking = matches!(canonical(&pair[0]), "best" | "worst" | "lowest");
        ranking && matches!(pair[1].as_str(), "run" | "experiment")
    });
    let singular = singular_after_ranking || question.contains("which run") || question.contains("the run");
    match after.or(before) {
        Some(limit) => limit.clamp(1, MAX_LIMIT),
        None if singular => 1,
        None => DEFAULT_LIMIT,
    }
}

fn default_metric(vocabulary: &Vocabulary, notes: &mut Vec<String>) -> Result<MetricTerm, Clarification> {
    let configured: Vec<&MetricTerm> = vocabulary
        .metrics
        .iter()
        .filter(|metric| metric.direction.is_some())
        .collect();
    match configured.as_slice() {
        [only] => {
            notes.push(format!(
                "no metric named: ranked by {}, the project's only configured metric",
                only.name
            ));
            Ok((*only).clone())
        }
        _ => {
            let names: Vec<String> = vocabulary
                .metrics
                .iter()
                .map(|metric| metric.name.clone())
                .collect();
            Err(clarify(
                &format!("Best by which metric? This project has {}.", alternatives(&names)),
                &names,
            ))
        }
    }
}

fn filters_of(
    question: &Question,
    vocabulary: &Vocabulary,
    experiments: &[i64],
    status: Option<StatusFilter>,
    now: DateTime<Utc>,
    notes: &mut Vec<String>,
) -> Result<Filters, Clarification> {
    let mut filters = Filters {
        status: match status {
            Some(StatusFilter::Is(status)) => Some(status),
            _ => None,
        },
        ..Filters::default()
    };
    if question.has_any(&["under", "below", "subtree", "descendants"]) {
        filters.under = experiments.first().copied();
    }
    let tokens = &question.tokens;
    for (index, token) in tokens.iter().enumerate() {
        let Some(next) = tokens.get(index + 1) else {
            continue;
        };
        let value = tokens.get(index + 2);
        if matches!(next.as_str(), "=" | "is" | "of") {
            if let (Some(value), Some(path)) = (value, path_named(vocabulary, token)) {
                filters.features.push((path, value.clone()));
            }
        }
        if matches!(token.as_str(), "with" | "using") {
            let paths = vocabulary.paths_with_value(next);
            match paths.as_slice() {
                [path] => filters.features.push((path.clone(), next.clone())),
                [] => {}
                several => {
                    notes.push(format!(
                        "\"{next}\" is a value of {}: filtered on the first",
                        alternatives(several)
                    ));
                    filters.features.push((several[0].clone(), next.clone()));
                }
            }
        }
        if let Some(date) = value_date(next) {
            match token.as_str() {
                "since" | "after" | "from" => filters.since = Some(date),
                "before" | "until" => filters.before = Some(date),
                _ => {}
            }
        }
    }
    if question.has("today") {
        filters.since = Some(start_of_day(now));
    } else if question.has("yesterday") {
        filters.since = Some(start_of_day(now) - Duration::days(1));
        filters.before = Some(start_of_day(now));
    } else if let Some(days) = question
        .after(&["last", "past"])
        .and_then(|token| token.parse::<i64>().ok())
    {
        if question.has_any(&["days", "day"]) {
            filters.since = Some(now - Duration::days(days));
        } else if question.has_any(&["hours", "hour"]) {
            filters.since = Some(now - Duration::hours(days));
        }
    } else if question.contains("last week") || question.contains("this week") {
        filters.since = Some(now - Duration::days(7));
    }
    Ok(filters)
}

fn path_named(vocabulary: &Vocabulary, token: &str) -> Option<String> {
    let tokens = vec![token.to_owned()];
    match vocabulary.link_feature(&tokens, &question_words(&tokens)) {
        Link::One(path) => Some(path),
        _ => None,
    }
}

fn value_date(token: &str) -> Option<DateTime<Utc>> {
    NaiveDate::parse_from_str(token, "%Y-%m-%d")
        .ok()
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(|moment| moment.and_utc())
}

fn start_of_day(now: DateTime<Utc>) -> DateTime<Utc> {
    now.date_naive()
        .and_hms_opt(0, 0, 0)
        .map_or(now, |moment| moment.and_utc())
}
