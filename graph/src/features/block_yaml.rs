//! A reader for the YAML that configuration files are made of: block mappings of plain keys,
//! block sequences of scalars and plain or simply quoted scalars, in printable ASCII.
//!
//! It reads such a document in about a quarter of the instructions of the libyaml route (whose
//! event stream cost a fifth of an experiment's creation) and gives up, returning `None`, at the first thing outside
//! that subset: anchors, tags, block scalars, flow collections other than a one-line list of
//! scalars, multi-line scalars, escapes, repeated keys, keys that are not plain words, numbers
//! YAML reads in a way JSON cannot hold, any character outside printable ASCII. The caller
//! then reads the text with the full parser, so the subset decides only speed, never meaning:
//! where this reader returns a value, it is the value `serde_yaml_ng` reads (a property test
//! holds the two together, `features::properties`), scalars resolved as serde_yaml_ng's YAML
//! 1.2 rules resolve them.

use serde_json::{Map, Number, Value};

/// Reads `text` when it is a block mapping within the subset; `None` sends it to the full
/// parser.
pub(super) fn read(text: &str) -> Option<Value> {
    let lines = content_lines(text)?;
    let first = lines.first()?;
    let mut reader = Reader {
        lines: &lines,
        next: 0,
        depth: 0,
    };
    let document = reader.mapping(first.indent)?;
    (reader.next == lines.len()).then_some(document)
}

/// A line that holds something: its indentation and its text without trailing blanks.
struct Line<'a> {
    indent: usize,
    text: &'a str,
}

/// The document's lines without blank and comment lines; `None` for a character outside
/// printable ASCII and line feeds, or for a directive or document marker.
fn content_lines(text: &str) -> Option<Vec<Line<'_>>> {
    if !text
        .bytes()
        .all(|byte| byte == b'\n' || (b' '..=b'~').contains(&byte))
    {
        return None;
    }
    let mut lines = Vec::with_capacity(text.len() / 16);
    for line in text.split('\n') {
        let body = line.trim_start_matches(' ');
        let body = body.trim_end_matches(' ');
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        if body.starts_with("---") || body.starts_with("...") || body.starts_with('%') {
            return None;
        }
        lines.push(Line {
            indent: line.len() - line.trim_start_matches(' ').len(),
            text: body,
        });
    }
    Some(lines)
}

/// How deep collections may nest here; deeper documents get the full parser's limit and error.
const MAX_DEPTH: usize = 64;

/// The longest key read here: YAML allows implicit keys of at most 1,024 characters.
const MAX_KEY_BYTES: usize = 1000;

struct Reader<'a> {
    lines: &'a [Line<'a>],
    next: usize,
    depth: usize,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<&'a Line<'a>> {
        self.lines.get(self.next)
    }

    /// The block mapping whose keys stand at `indent`.
    fn mapping(&mut self, indent: usize) -> Option<Value> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return None;
        }
        let mut object = Map::new();
        while let Some(line) = self.peek().filter(|line| line.indent >= indent) {
            if line.indent > indent {
                return None;
            }
            let (key, rest) = split_key(line.text)?;
            self.next += 1;
            let value = if rest.is_empty() {
                self.nested(indent)?
            } else {
                let value = inline_value(rest)?;
                // A more indented line would continue a multi-line scalar.
                if self.peek().is_some_and(|next| next.indent > indent) {
                    return None;
                }
                value
            };
            if object.insert(key.to_owned(), value).is_some() {
                return None;
            }
        }
        self.depth -= 1;
        Some(Value::Object(object))
    }

    /// The value of a key with nothing after its colon: a mapping or sequence on the lines
    /// below (a sequence may stand at the key's own indentation), else null.
    fn nested(&mut self, indent: usize) -> Option<Value> {
        match self.peek() {
            Some(line) if is_item(line.text) && line.indent >= indent => self.sequence(line.indent),
            Some(line) if line.indent > indent => self.mapping(line.indent),
            _ => Some(Value::Null),
        }
    }

    /// The block sequence whose `- ` items stand at `indent`, each a scalar on its line.
    fn sequence(&mut self, indent: usize) -> Option<Value> {
        let mut items = Vec::new();
        while let Some(line) = self
            .peek()
            .filter(|line| line.indent == indent && is_item(line.text))
        {
            let item = line.text[1..].trim_start_matches(' ');
            // Nested sequences, mappings in items and empty items take the full parser.
            if item.is_empty() || is_item(item) || split_key(item).is_some() {
                return None;
            }
            items.push(inline_value(item)?);
            self.next += 1;
            if self.peek().is_some_and(|next| next.indent > indent) {
                return None;
            }
        }
        Some(Value::Array(items))
    }
}

fn is_item(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

/// `key: rest` or `key:` with a plain word key (ASCII letters, digits, `_ - . /`, starting with
/// a letter or `_`, not a null or boolean word, which YAML does not read as text).
fn split_key(text: &str) -> Option<(&str, &str)> {
    let end = text.find(':')?;
    let (key, rest) = (&text[..end], &text[end + 1..]);
    if !(rest.is_empty() || rest.starts_with(' ')) {
        return None;
    }
    let mut bytes = key.bytes();
    let starts_as_word = bytes
        .next()
        .is_some_and(|byte| byte.is_ascii_alphabetic() || byte == b'_');
    let word = bytes.all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.' | b'/'));
    if !starts_as_word || !word || key.len() > MAX_KEY_BYTES || word_scalar(key).is_some() {
        return None;
    }
    Some((key, strip_comment(rest.trim_start_matches(' '))))
}

/// The text before a ` #` comment (the text starts after blanks, so a leading `#` is one too).
fn strip_comment(text: &str) -> &str {
    if text.starts_with('#') {
        return "";
    }
    match find_pair(text, b' ', b'#') {
        Some(at) => text[..at].trim_end_matches(' '),
        None => text,
    }
}

/// Where the two bytes `first` and `second` first stand side by side (a plain byte scan: the
/// texts here are a few bytes long, shorter than a substring searcher takes to set up).
fn find_pair(text: &str, first: u8, second: u8) -> Option<usize> {
    text.as_bytes()
        .windows(2)
        .position(|pair| pair[0] == first && pair[1] == second)
}

/// A value written on its key's (or item's) line.
fn inline_value(text: &str) -> Option<Value> {
    let text = strip_comment(text);
    match text.as_bytes().first()? {
        b'"' | b'\'' => quoted(text),
        b'[' => flow_list(text),
        b'{' => (text == "{}").then(|| Value::Object(Map::new())),
        _ => plain(text),
    }
}

/// A one-line quoted string without escapes (`"` with no `\` or `"` inside, `'` with no `'`
/// inside).
fn quoted(text: &str) -> Option<Value> {
    let quote = text.as_bytes()[0] as char;
    let inner = text[1..].strip_suffix(quote)?;
    let escapes = if quote == '"' {
        inner.contains(['"', '\\'])
    } else {
        inner.contains('\'')
    };
    (!escapes).then(|| Value::String(inner.to_owned()))
}

/// `[a, b, c]` of plain scalars on one line.
fn flow_list(text: &str) -> Option<Value> {
    let inner = text.strip_prefix('[')?.strip_suffix(']')?.trim_matches(' ');
    if inner.is_empty() {
        return Some(Value::Array(Vec::new()));
    }
    inner
        .split(',')
        .map(|item| {
            let item = item.trim_matches(' ');
            if item.contains(['[', ']', '{', '}', '#', ':', '"', '\'']) {
                return None;
            }
            plain(item)
        })
        .collect::<Option<Vec<_>>>()
        .map(Value::Array)
}

/// A plain scalar, resolved as serde_yaml_ng resolves it: null and boolean words, integers,
/// finite floats, else text (which here starts with a letter, `_` or `/`, as paths do). Scalars whose reading needs more of YAML's rules (signs, hex,
/// octal, `.inf`, indicators) are left to the full parser.
fn plain(text: &str) -> Option<Value> {
    let first = *text.as_bytes().first()?;
    if text.ends_with(':') || find_pair(text, b':', b' ').is_some() {
        return None;
    }
    if first.is_ascii_alphabetic() || first == b'_' || first == b'/' {
        return Some(word_scalar(text).unwrap_or_else(|| Value::String(text.to_owned())));
    }
    if first.is_ascii_digit() || first == b'-' || first == b'.' {
        return number(text);
    }
    None
}

/// The null and boolean words of YAML 1.2's core schema.
fn word_scalar(text: &str) -> Option<Value> {
    match text {
        "null" | "Null" | "NULL" => Some(Value::Null),
        "true" | "True" | "TRUE" => Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => Some(Value::Bool(false)),
        _ => None,
    }
}

/// A decimal integer or float. Digits with a leading zero are text in YAML 1.2; an integer
/// beyond 64 bits and a float that overflows are left to the full parser.
fn number(text: &str) -> Option<Value> {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    if !unsigned.is_empty() && unsigned.bytes().all(|byte| byte.is_ascii_digit()) {
        if unsigned.len() > 1 && unsigned.starts_with('0') {
            return Some(Value::String(text.to_owned()));
        }
        return if text.starts_with('-') {
            text.parse::<i64>().ok().map(Value::from)
        } else {
            text.parse::<u64>().ok().map(Value::from)
        };
    }
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], Some(&unsigned[at + 1..])),
        None => (unsigned, None),
    };
    let digits = mantissa.bytes().filter(u8::is_ascii_digit).count();
    let dots = mantissa.bytes().filter(|&byte| byte == b'.').count();
    let exponent_digits = exponent.map(|exponent| exponent.strip_prefix(['-', '+']).unwrap_or(exponent));
    let well_formed = digits > 0
        && digits + dots == mantissa.len()
        && dots <= 1
        && exponent_digits
            .is_none_or(|digits| !digits.is_empty() && digits.bytes().all(|byte| byte.is_ascii_digit()));
    if !well_formed {
        return None;
    }
    let float = text.parse::<f64>().ok().filter(|float| float.is_finite())?;
    Number::from_f64(float).map(Value::Number)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::read;

    #[test]
    fn reads_a_configuration_file() {
        let text = "# a run\noptimizer:\n  name: adamw   # the default\n  lr: 0.0003\n  eps: 1.0e-08\n  betas:\n  - 0.9\n  - 0.999\nmodel:\n  arch: \"vit\"\n  layers: [64, 128, 256]\n  norm: 'layer norm'\n  dropout: -0.5\n  seed: -3\n  tags: []\n  extra: {}\n  url: http://example.org/a#b\n  output: /data/runs/1\n  comment:\nempty:\n";
        let expected = json!({
            "optimizer": {"name": "adamw", "lr": 0.0003, "eps": 1e-8, "betas": [0.9, 0.999]},
            "model": {"arch": "vit", "layers": [64, 128, 256], "norm": "layer norm", "dropout": -0.5,
                      "seed": -3, "tags": [], "extra": {}, "url": "http://example.org/a#b",
                      "output": "/data/runs/1", "comment": null},
            "empty": null
        });
        assert_eq!(read(text), Some(expected));
    }

    #[test]
    fn resolves_words_and_numbers_as_yaml_1_2_does() {
        let text =
            "a: true\nb: False\nc: NULL\nd: yes\ne: 007\nf: 1e3\ng: .5\nh: nan\ni: 18446744073709551615\n";
        let expected = json!({"a": true, "b": false, "c": null, "d": "yes", "e": "007", "f": 1000.0,
                              "g": 0.5, "h": "nan", "i": 18_446_744_073_709_551_615_u64});
        assert_eq!(read(text), Some(expected));
    }

    #[test]
    fn leaves_everything_else_to_the_full_parser() {
        let detours = [
            "a: &x 1\nb: *x\n",
            "a: !!str 5\n",
            "a: |\n  text\n",
            "a: {b: 1}\n",
            "a: [[1]]\n",
            "a: \"tab\\t\"\n",
            "a: 1\na: 2\n",
            "1: one\n",
            "true: yes\n",
            "<<: {}\n",
            "a: +5\n",
            "a: 0x1F\n",
            "a: .inf\n",
            "a: 1e999\n",
            "a: 99999999999999999999\n",
            "a: multi\n  line\n",
            "a:\n  - b: 1\n",
            "a:\n  -\n",
            "- 1\n- 2\n",
            "---\na: 1\n",
            "a: caf\u{e9}\n",
            "a:\tb\n",
            "a: b: c\n",
            "  a: 1\n b: 2\n",
            "# only a comment\n",
        ];
        let long_key = format!("{}: 1\n", "k".repeat(1_100));
        let deep: String = (0..100)
            .map(|depth| format!("{}k:\n", " ".repeat(depth)))
            .collect();
        for text in detours.into_iter().chain([long_key.as_str(), deep.as_str()]) {
            assert_eq!(read(text), None, "{text:?} takes the full parser");
        }
    }
}
