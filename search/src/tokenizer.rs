//! The text analyzer shared by indexing, query parsing and highlighting.
//!
//! A token is a run of letters and digits, lower-cased. Numbers stay whole: a `.` between two
//! digits and the sign of an exponent (`1e-4`) belong to the token, so `0.001` and `1e-4` are
//! single tokens while `optimizer.lr` and `12_from_8` split into words. The same scanner feeds
//! tantivy (through [`TextTokenizer`]), the query parser and the highlighter, so a query term is
//! always analyzed exactly like the text it is meant to find.

use std::ops::Range;

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// Tokens longer than this many bytes are dropped (hashes, base64 blobs): they would only bloat the
/// term dictionary.
const MAX_TOKEN_BYTES: usize = 80;

/// One token of a text: where it lies and its lower-cased form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TextToken {
    /// Byte range of the token in the analyzed text.
    pub(crate) bytes: Range<usize>,
    /// The lower-cased token, as indexed.
    pub(crate) text: String,
}

/// Splits `text` into its tokens.
pub(crate) fn tokenize(text: &str) -> Vec<TextToken> {
    TokenScanner::new(text)
        .map(|bytes| TextToken {
            text: lowercase(&text[bytes.clone()]),
            bytes,
        })
        .collect()
}

/// The lower-cased token texts of `text`.
pub(crate) fn token_texts(text: &str) -> Vec<String> {
    tokenize(text).into_iter().map(|token| token.text).collect()
}

fn lowercase(token: &str) -> String {
    token.chars().flat_map(char::to_lowercase).collect()
}

/// Iterates over the byte ranges of the tokens of a text.
struct TokenScanner<'a> {
    text: &'a str,
    cursor: usize,
}

impl<'a> TokenScanner<'a> {
    fn new(text: &'a str) -> TokenScanner<'a> {
        TokenScanner { text, cursor: 0 }
    }

    /// The end of the token starting at `start` (a letter or digit).
    fn token_end(&self, start: usize) -> usize {
        let mut characters = self.text[start..].char_indices().peekable();
        let mut end = start;
        let mut previous: Option<char> = None;
        let mut before_previous: Option<char> = None;
        while let Some((offset, character)) = characters.next() {
            let next = characters.peek().map(|&(_, next)| next);
            let belongs =
                character.is_alphanumeric() || joins_a_number(before_previous, previous, character, next);
            if !belongs {
                break;
            }
            end = start + offset + character.len_utf8();
            before_previous = previous;
            previous = Some(character);
        }
        end
    }
}

/// Whether `character` (not a letter or digit) continues a number: the point of `0.001` or the
/// exponent sign of `1e-4`.
fn joins_a_number(
    before_previous: Option<char>,
    previous: Option<char>,
    character: char,
    next: Option<char>,
) -> bool {
    let next_is_digit = next.is_some_and(|next| next.is_ascii_digit());
    if !next_is_digit {
        return false;
    }
    let previous_is_digit = previous.is_some_and(|previous| previous.is_ascii_digit());
    match character {
        '.' => previous_is_digit,
        '-' | '+' => {
            let previous_is_exponent = matches!(previous, Some('e' | 'E'));
            let exponent_follows_digit = before_previous.is_some_and(|before| before.is_ascii_digit());
            previous_is_exponent && exponent_follows_digit
        }
        _ => false,
    }
}

impl Iterator for TokenScanner<'_> {
    type Item = Range<usize>;

    fn next(&mut self) -> Option<Range<usize>> {
        loop {
            let rest = &self.text[self.cursor..];
            let (offset, _) = rest
                .char_indices()
                .find(|(_, character)| character.is_alphanumeric())?;
            let start = self.cursor + offset;
            let end = self.token_end(start);
            self.cursor = end;
            if end - start <= MAX_TOKEN_BYTES {
                return Some(start..end);
            }
        }
    }
}

/// The tantivy face of the scanner, registered under [`crate::schema::TEXT_ANALYZER`].
#[derive(Debug, Clone, Default)]
pub(crate) struct TextTokenizer;

/// The token stream of [`TextTokenizer`].
pub(crate) struct TextTokenStream<'a> {
    text: &'a str,
    scanner: TokenScanner<'a>,
    token: Token,
}

impl Tokenizer for TextTokenizer {
    type TokenStream<'a> = TextTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> TextTokenStream<'a> {
        TextTokenStream {
            text,
            scanner: TokenScanner::new(text),
            token: Token::default(),
        }
    }
}

impl TokenStream for TextTokenStream<'_> {
    fn advance(&mut self) -> bool {
        let Some(bytes) = self.scanner.next() else {
            return false;
        };
        self.token.offset_from = bytes.start;
        self.token.offset_to = bytes.end;
        // The default token's position is usize::MAX, so the first token lands on 0.
        self.token.position = self.token.position.wrapping_add(1);
        self.token.text.clear();
        self.token
            .text
            .extend(self.text[bytes].chars().flat_map(char::to_lowercase));
        true
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_on_punctuation_and_are_lower_cased() {
        assert_eq!(token_texts("Optimizer.LR"), ["optimizer", "lr"]);
        assert_eq!(
            token_texts("1234_from_1200_lr_sweep"),
            ["1234", "from", "1200", "lr", "sweep"]
        );
        assert_eq!(
            token_texts("pre-trained, fine-tuned!"),
            ["pre", "trained", "fine", "tuned"]
        );
    }

    #[test]
    fn decimals_and_exponents_stay_one_token() {
        assert_eq!(token_texts("optimizer.lr = 0.001"), ["optimizer", "lr", "0.001"]);
        assert_eq!(token_texts("lr=1e-4 wd=3E+2"), ["lr", "1e-4", "wd", "3e+2"]);
        assert_eq!(token_texts("version 1.2.3."), ["version", "1.2.3"]);
        assert_eq!(token_texts("2e- end"), ["2e", "end"]);
    }

    #[test]
    fn non_ascii_tokens_keep_their_byte_ranges() {
        let text = "Über große Modelle — naïve";
        let tokens = tokenize(text);
        let texts: Vec<&str> = tokens.iter().map(|token| token.text.as_str()).collect();
        assert_eq!(texts, ["über", "große", "modelle", "naïve"]);
        assert_eq!(&text[tokens[1].bytes.clone()], "große");
    }

    #[test]
    fn overlong_tokens_are_dropped() {
        let long = "a".repeat(MAX_TOKEN_BYTES + 1);
        assert_eq!(token_texts(&format!("keep {long} this")), ["keep", "this"]);
    }

    #[test]
    fn tantivy_stream_numbers_positions_consecutively() {
        let mut tokenizer = TextTokenizer;
        let mut stream = tokenizer.token_stream("Model.Depth = 12");
        let mut seen = Vec::new();
        while let Some(token) = stream.next() {
            seen.push((token.position, token.text.clone()));
        }
        assert_eq!(
            seen,
            [
                (0, "model".to_string()),
                (1, "depth".to_string()),
                (2, "12".to_string())
            ]
        );
    }
}
