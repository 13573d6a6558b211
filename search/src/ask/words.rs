//! The words of a question and of the names it may mention: tokens, the synonyms researchers
//! use for the same thing (`acc` and `accuracy`, `lr` and `learning rate`) and typo tolerance.

/// Words that carry no meaning for the planner.
const STOPWORDS: &[&str] = &[
    "a",
    "an",
    "the",
    "of",
    "in",
    "on",
    "for",
    "to",
    "by",
    "is",
    "are",
    "was",
    "were",
    "be",
    "and",
    "or",
    "what",
    "which",
    "who",
    "how",
    "me",
    "show",
    "list",
    "give",
    "tell",
    "find",
    "all",
    "with",
    "that",
    "did",
    "do",
    "does",
    "it",
    "its",
    "this",
    "these",
    "those",
    "my",
    "our",
    "we",
    "i",
    "at",
    "from",
    "than",
    "run",
    "runs",
    "experiment",
    "experiments",
    "exp",
    "has",
    "have",
    "had",
    "there",
    "any",
    "get",
    "please",
    "about",
    "so",
    "far",
    "currently",
    "now",
    "where",
    "when",
    "value",
    "values",
    "metric",
    "metrics",
    "between",
];

/// Groups of words that mean the same thing, the first being the canonical one.
const SYNONYMS: &[&[&str]] = &[
    &["acc", "accuracy", "accuracies"],
    &["val", "validation", "valid", "dev", "eval"],
    &["train", "training"],
    &["lr", "learning_rate", "learningrate"],
    &["loss", "losses"],
    &["err", "error", "errors"],
    &["ppl", "perplexity"],
    &["bs", "batch_size", "batchsize"],
    &["wd", "weight_decay"],
    &["optimizer", "optim", "opt", "optimiser"],
    &["complete", "completed", "finished", "done", "succeeded"],
    &["failed", "failing", "crashed", "errored", "broken"],
    &["running", "active", "ongoing", "live"],
    &["planned", "queued", "pending", "scheduled"],
    &["stalled", "stuck", "hanging", "hung", "idle"],
    &["best", "top", "highest", "greatest", "max", "maximum"],
    &["worst", "bottom"],
    &["lowest", "smallest", "min", "minimum"],
    &["epochs", "epoch"],
    &["layers", "layer", "depth"],
    &["seed", "seeds"],
];

/// Multi-word phrases read as one word before anything else.
const PHRASES: &[(&str, &str)] = &[
    ("learning rate", "lr"),
    ("batch size", "batch_size"),
    ("weight decay", "weight_decay"),
    ("how many", "how_many"),
    ("at step", "at_step"),
];

/// The canonical form of `word`: the first of its synonym group, or itself.
pub fn canonical(word: &str) -> &str {
    SYNONYMS
        .iter()
        .find(|group| group.contains(&word))
        .map_or(word, |group| group[0])
}

/// Every spelling of a canonical word (its synonym group; empty when it has none).
pub fn spellings(canonical_word: &str) -> Vec<&'static str> {
    SYNONYMS
        .iter()
        .find(|group| group[0] == canonical_word)
        .map_or_else(Vec::new, |group| group.to_vec())
}

/// Whether `word` carries no meaning for the planner.
pub fn is_stopword(word: &str) -> bool {
    STOPWORDS.contains(&word)
}

/// A question as tokens: lower-cased, known phrases joined, punctuation around words dropped
/// (`optimizer.lr`, `0.001`, `1e-4`, `12_from_8` and `#12` stay whole).
pub fn tokens(question: &str) -> Vec<String> {
    let mut text = question.to_lowercase();
    for (phrase, word) in PHRASES {
        text = text.replace(phrase, word);
    }
    let separators =
        |c: char| c.is_whitespace() || matches!(c, ',' | ';' | '?' | '!' | '(' | ')' | '"' | '\'' | '`');
    let mut tokens = Vec::new();
    for raw in text.split(separators) {
        // `lr=0.001` and `lr==0.001` are three tokens: path, `=`, value.
        let mut rest = raw.trim_end_matches(['.', ':']);
        while let Some(position) = rest.find('=') {
            push_word(&mut tokens, &rest[..position]);
            tokens.push("=".to_owned());
            rest = rest[position..].trim_start_matches('=');
        }
        push_word(&mut tokens, rest);
    }
    tokens
}

fn push_word(tokens: &mut Vec<String>, word: &str) {
    let word = word.trim_matches(|c: char| matches!(c, '.' | ':' | '-'));
    if !word.is_empty() {
        tokens.push(word.to_owned());
    }
}

/// The canonical words of a name (`val_acc` → `val`, `acc`; `optimizer.lr` → `optimizer`, `lr`).
pub fn name_words(name: &str) -> Vec<String> {
    let lowered = name.to_lowercase();
    if SYNONYMS.iter().any(|group| group.contains(&lowered.as_str())) {
        return vec![canonical(&lowered).to_owned()];
    }
    lowered
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| canonical(word).to_owned())
        .collect()
}

/// The canonical words of question tokens, each token split like a name.
pub fn question_words(tokens: &[String]) -> Vec<String> {
    tokens
        .iter()
        .flat_map(|token| {
            let mut words = vec![canonical(token).to_owned()];
            if token.contains(['_', '/', '.']) && !is_number(token) {
                words.extend(name_words(token));
            }
            words
        })
        .collect()
}

/// Whether `token` reads as a number (`12`, `0.001`, `1e-4`, `-3`).
pub fn is_number(token: &str) -> bool {
    token.parse::<f64>().is_ok()
}

/// The Levenshtein distance between two words, counted in characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// How many typos a word of this length may carry and still be recognised.
pub fn typo_budget(word: &str) -> usize {
    match word.chars().count() {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_keep_paths_numbers_and_names_whole() {
        assert_eq!(
            tokens("Best run with optimizer.lr=0.001 under #12_from_8?"),
            vec![
                "best",
                "run",
                "with",
                "optimizer.lr",
                "=",
                "0.001",
                "under",
                "#12_from_8"
            ]
        );
        assert_eq!(
            tokens("What is the learning rate of run 3."),
            vec!["what", "is", "the", "lr", "of", "run", "3"]
        );
        assert_eq!(tokens("lr = 1e-4"), vec!["lr", "=", "1e-4"]);
    }

    #[test]
    fn names_and_questions_share_canonical_words() {
        assert_eq!(name_words("val_accuracy"), vec!["val", "acc"]);
        assert_eq!(question_words(&tokens("validation accuracy")), vec!["val", "acc"]);
        assert_eq!(name_words("learning_rate"), vec!["lr"]);
    }

    #[test]
    fn edit_distance_counts_character_edits() {
        assert_eq!(edit_distance("accuracy", "acuracy"), 1);
        assert_eq!(edit_distance("loss", "loss"), 0);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("über", "uber"), 1);
    }
}
