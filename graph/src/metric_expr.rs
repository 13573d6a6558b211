//! The expression language of derived metrics: a small, safe arithmetic over other
//! metrics of the same run, e.g. `1 - val/accuracy` or `` max(`train loss`, 0) ``.
//!
//! Grammar (whitespace is free between tokens):
//!
//! ```text
//! expr    = term (("+" | "-") term)*
//! term    = unary (("*" | "/") unary)*
//! unary   = "-" unary | primary
//! primary = number | metric | function "(" expr ("," expr)* ")" | "(" expr ")"
//! number  = digits ["." digits] [("e" | "E") ["+" | "-"] digits]
//! metric  = (letter | "_") (letter | digit | "_" | "." | "/")*  |  "`" (any but "`" | "``")+ "`"
//! ```
//!
//! Functions: `min(a, b)`, `max(a, b)`, `abs(x)`, `log(x)` (natural), `exp(x)`, `sqrt(x)`.
//! Nothing is executed: text becomes an [`Expr`] tree, which [`Expr::eval`] walks. Inputs
//! are bounded ([`MAX_EXPRESSION_LENGTH`] characters, [`MAX_NESTING_DEPTH`] levels), so no
//! expression can exhaust the stack.

use std::collections::BTreeSet;
use std::fmt;

use crate::error::{Error, Result};

/// The longest expression accepted, in characters.
pub const MAX_EXPRESSION_LENGTH: usize = 1_000;
/// The deepest nesting of parentheses, function calls and unary minus accepted.
pub const MAX_NESTING_DEPTH: usize = 64;

/// A binary arithmetic operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
}

impl BinaryOp {
    fn symbol(self) -> char {
        match self {
            BinaryOp::Add => '+',
            BinaryOp::Sub => '-',
            BinaryOp::Mul => '*',
            BinaryOp::Div => '/',
        }
    }

    fn precedence(self) -> u8 {
        match self {
            BinaryOp::Add | BinaryOp::Sub => 1,
            BinaryOp::Mul | BinaryOp::Div => 2,
        }
    }
}

/// A built-in function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    /// `min(a, b)`: the smaller; NaN when either is NaN.
    Min,
    /// `max(a, b)`: the larger; NaN when either is NaN.
    Max,
    /// `abs(x)`
    Abs,
    /// `log(x)`: the natural logarithm.
    Log,
    /// `exp(x)`
    Exp,
    /// `sqrt(x)`
    Sqrt,
}

impl Function {
    const ALL: [Function; 6] = [
        Function::Min,
        Function::Max,
        Function::Abs,
        Function::Log,
        Function::Exp,
        Function::Sqrt,
    ];

    /// Its name in expressions.
    pub fn name(self) -> &'static str {
        match self {
            Function::Min => "min",
            Function::Max => "max",
            Function::Abs => "abs",
            Function::Log => "log",
            Function::Exp => "exp",
            Function::Sqrt => "sqrt",
        }
    }

    /// How many arguments it takes.
    pub fn arity(self) -> usize {
        match self {
            Function::Min | Function::Max => 2,
            Function::Abs | Function::Log | Function::Exp | Function::Sqrt => 1,
        }
    }

    fn by_name(name: &str) -> Option<Function> {
        Self::ALL.into_iter().find(|function| function.name() == name)
    }

    fn apply(self, args: &[f64]) -> f64 {
        match (self, args) {
            (Function::Min, [a, b]) if a.is_nan() || b.is_nan() => f64::NAN,
            (Function::Min, [a, b]) => a.min(*b),
            (Function::Max, [a, b]) if a.is_nan() || b.is_nan() => f64::NAN,
            (Function::Max, [a, b]) => a.max(*b),
            (Function::Abs, [x]) => x.abs(),
            (Function::Log, [x]) => x.ln(),
            (Function::Exp, [x]) => x.exp(),
            (Function::Sqrt, [x]) => x.sqrt(),
            // The parser checks arity, so this arm is unreachable for parsed expressions.
            _ => f64::NAN,
        }
    }
}

/// A parsed derived-metric expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A non-negative literal (negative numbers are [`Expr::Neg`] of one).
    Number(f64),
    /// The value of another metric.
    Metric(String),
    /// `-x`
    Neg(Box<Expr>),
    /// `a op b`
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `f(args…)`
    Call(Function, Vec<Expr>),
}

impl Expr {
    /// Parses an expression; [`Error::Invalid`] on `expression` says what is wrong and at
    /// which character (counted from 1).
    pub fn parse(text: &str) -> Result<Expr> {
        let length = text.chars().count();
        if length > MAX_EXPRESSION_LENGTH {
            return Err(Error::invalid(
                "expression",
                format!("is {length} characters long; the limit is {MAX_EXPRESSION_LENGTH}"),
            ));
        }
        let mut parser = Parser {
            chars: text.chars().collect(),
            position: 0,
            depth: 0,
        };
        let expr = parser.expression()?;
        parser.skip_whitespace();
        if parser.position < parser.chars.len() {
            return Err(parser.error("expected an operator or the end of the expression"));
        }
        Ok(expr)
    }

    /// The names of the metrics the expression reads.
    pub fn metrics(&self) -> BTreeSet<String> {
        let mut names = BTreeSet::new();
        self.collect_metrics(&mut names);
        names
    }

    fn collect_metrics(&self, names: &mut BTreeSet<String>) {
        match self {
            Expr::Number(_) => {}
            Expr::Metric(name) => {
                names.insert(name.clone());
            }
            Expr::Neg(inner) => inner.collect_metrics(names),
            Expr::Binary(_, left, right) => {
                left.collect_metrics(names);
                right.collect_metrics(names);
            }
            Expr::Call(_, args) => args.iter().for_each(|arg| arg.collect_metrics(names)),
        }
    }

    /// Evaluates with IEEE double semantics (division by zero is ±inf, `log(-1)` NaN, …);
    /// a metric `value` does not know reads as NaN, and NaN propagates through `min`/`max`.
    pub fn eval(&self, value: &dyn Fn(&str) -> Option<f64>) -> f64 {
        match self {
            Expr::Number(number) => *number,
            Expr::Metric(name) => value(name).unwrap_or(f64::NAN),
            Expr::Neg(inner) => -inner.eval(value),
            Expr::Binary(op, left, right) => {
                let (left, right) = (left.eval(value), right.eval(value));
                match op {
                    BinaryOp::Add => left + right,
                    BinaryOp::Sub => left - right,
                    BinaryOp::Mul => left * right,
                    BinaryOp::Div => left / right,
                }
            }
            Expr::Call(function, args) => {
                let values: Vec<f64> = args.iter().map(|arg| arg.eval(value)).collect();
                function.apply(&values)
            }
        }
    }

    /// Binding strength, for printing only the parentheses the structure needs.
    fn precedence(&self) -> u8 {
        match self {
            Expr::Binary(op, _, _) => op.precedence(),
            Expr::Neg(_) => 3,
            Expr::Number(_) | Expr::Metric(_) | Expr::Call(_, _) => 4,
        }
    }
}

/// A metric name is written bare when it reads back as the same name, else backquoted.
fn is_bare_name(name: &str) -> bool {
    let mut chars = name.chars();
    let starts_well = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_');
    starts_well && chars.all(is_name_char) && Function::by_name(name).is_none()
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | '/')
}

fn write_operand(formatter: &mut fmt::Formatter<'_>, expr: &Expr, parenthesize: bool) -> fmt::Result {
    if parenthesize {
        write!(formatter, "({expr})")
    } else {
        write!(formatter, "{expr}")
    }
}

/// Prints the expression so that [`Expr::parse`] reads back the same tree.
impl fmt::Display for Expr {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // `{:?}` is the shortest text that reads back to the same double; the parser
            // has no `inf` literal, but reads an overflowing literal as infinity.
            Expr::Number(number) if number.is_infinite() => formatter.write_str("1e999"),
            Expr::Number(number) => write!(formatter, "{number:?}"),
            Expr::Metric(name) if is_bare_name(name) => formatter.write_str(name),
            Expr::Metric(name) => write!(formatter, "`{}`", name.replace('`', "``")),
            Expr::Neg(inner) => {
                formatter.write_str("-")?;
                write_operand(formatter, inner, inner.precedence() < 3)
            }
            Expr::Binary(op, left, right) => {
                write_operand(formatter, left, left.precedence() < op.precedence())?;
                write!(formatter, " {} ", op.symbol())?;
                write_operand(formatter, right, right.precedence() <= op.precedence())
            }
            Expr::Call(function, args) => {
                write!(formatter, "{}(", function.name())?;
                for (index, arg) in args.iter().enumerate() {
                    if index > 0 {
                        formatter.write_str(", ")?;
                    }
                    write!(formatter, "{arg}")?;
                }
                formatter.write_str(")")
            }
        }
    }
}

struct Parser {
    chars: Vec<char>,
    position: usize,
    depth: usize,
}

impl Parser {
    fn error(&self, what: &str) -> Error {
        self.error_at(self.position, what)
    }

    fn error_at(&self, position: usize, what: &str) -> Error {
        let found = match self.chars.get(position) {
            Some(c) => format!("`{c}`"),
            None => "the end".to_owned(),
        };
        Error::invalid(
            "expression",
            format!("at character {}: {what}, found {found}", position + 1),
        )
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.position).copied()
    }

    fn skip_whitespace(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.position += 1;
        }
    }

    /// Skips whitespace and consumes `expected` when it comes next.
    fn eat(&mut self, expected: char) -> bool {
        self.skip_whitespace();
        if self.peek() == Some(expected) {
            self.position += 1;
            return true;
        }
        false
    }

    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING_DEPTH {
            return Err(self.error(&format!("nesting deeper than {MAX_NESTING_DEPTH} levels")));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn expression(&mut self) -> Result<Expr> {
        let mut left = self.term()?;
        loop {
            let op = if self.eat('+') {
                BinaryOp::Add
            } else if self.eat('-') {
                BinaryOp::Sub
            } else {
                return Ok(left);
            };
            let right = self.term()?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
    }

    fn term(&mut self) -> Result<Expr> {
        let mut left = self.unary()?;
        loop {
            let op = if self.eat('*') {
                BinaryOp::Mul
            } else if self.eat('/') {
                BinaryOp::Div
            } else {
                return Ok(left);
            };
            let right = self.unary()?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
    }

    fn unary(&mut self) -> Result<Expr> {
        if self.eat('-') {
            self.enter()?;
            let inner = self.unary()?;
            self.leave();
            return Ok(Expr::Neg(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr> {
        self.skip_whitespace();
        match self.peek() {
            Some('(') => {
                self.position += 1;
                self.enter()?;
                let inner = self.expression()?;
                if !self.eat(')') {
                    return Err(self.error("expected `)`"));
                }
                self.leave();
                Ok(inner)
            }
            Some('`') => self.quoted_name(),
            Some(c) if c.is_ascii_digit() => self.number(),
            Some(c) if c.is_alphabetic() || c == '_' => self.name_or_call(),
            _ => Err(self.error("expected a number, a metric name, a function or `(`")),
        }
    }

    fn number(&mut self) -> Result<Expr> {
        let start = self.position;
        let digits = |parser: &mut Parser| {
            let before = parser.position;
            while parser.peek().is_some_and(|c| c.is_ascii_digit()) {
                parser.position += 1;
            }
            parser.position > before
        };
        digits(self);
        if self.peek() == Some('.') {
            self.position += 1;
            if !digits(self) {
                return Err(self.error("expected digits after the decimal point"));
            }
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            self.position += 1;
            if matches!(self.peek(), Some('+' | '-')) {
                self.position += 1;
            }
            if !digits(self) {
                return Err(self.error("expected the exponent's digits"));
            }
        }
        let text: String = self.chars[start..self.position].iter().collect();
        text.parse::<f64>()
            .map(Expr::Number)
            .map_err(|_| self.error_at(start, "expected a number"))
    }

    fn quoted_name(&mut self) -> Result<Expr> {
        let start = self.position;
        self.position += 1;
        let mut name = String::new();
        loop {
            match self.peek() {
                None => return Err(self.error_at(start, "this backquoted name is not closed")),
                Some('`') if self.chars.get(self.position + 1) == Some(&'`') => {
                    name.push('`');
                    self.position += 2;
                }
                Some('`') => {
                    self.position += 1;
                    break;
                }
                Some(c) if c.is_control() => {
                    return Err(self.error("control characters are not allowed in a metric name"))
                }
                Some(c) => {
                    name.push(c);
                    self.position += 1;
                }
            }
        }
        if name.is_empty() {
            return Err(self.error_at(start, "a backquoted metric name is empty"));
        }
        Ok(Expr::Metric(name))
    }

    fn name_or_call(&mut self) -> Result<Expr> {
        let start = self.position;
        while self.peek().is_some_and(is_name_char) {
            self.position += 1;
        }
        let name: String = self.chars[start..self.position].iter().collect();
        let after_name = self.position;
        if !self.eat('(') {
            self.position = after_name;
            return Ok(Expr::Metric(name));
        }
        let Some(function) = Function::by_name(&name) else {
            return Err(self.error_at(
                start,
                &format!(
                    "`{name}` is not a function (min, max, abs, log, exp, sqrt); backquote a metric name"
                ),
            ));
        };
        self.enter()?;
        let mut args = vec![self.expression()?];
        while self.eat(',') {
            args.push(self.expression()?);
        }
        if !self.eat(')') {
            return Err(self.error("expected `,` or `)`"));
        }
        self.leave();
        if args.len() != function.arity() {
            return Err(self.error_at(
                start,
                &format!(
                    "{}() takes {} argument(s), not {}",
                    function.name(),
                    function.arity(),
                    args.len()
                ),
            ));
        }
        Ok(Expr::Call(function, args))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn values(name: &str) -> Option<f64> {
        match name {
            "loss" => Some(2.0),
            "val/acc" => Some(0.75),
            "train loss" => Some(4.0),
            _ => None,
        }
    }

    fn eval(text: &str) -> f64 {
        Expr::parse(text).expect("parses").eval(&values)
    }

    #[test]
    fn arithmetic_follows_precedence_and_associativity() {
        assert_eq!(eval("1 + 2 * 3"), 7.0);
        assert_eq!(eval("(1 + 2) * 3"), 9.0);
        assert_eq!(eval("8 / 4 / 2"), 1.0);
        assert_eq!(eval("10 - 4 - 3"), 3.0);
        assert_eq!(eval("-2 * -loss"), 4.0);
        assert_eq!(eval("1 - val/acc"), 0.25);
        assert_eq!(eval("sqrt(`train loss`) + max(loss, 1.5e0) + abs(-1)"), 5.0);
        assert_eq!(eval("exp(0) + log(1) + min(loss, 3)"), 3.0);
    }

    #[test]
    fn ieee_semantics_hold_and_missing_metrics_read_as_nan() {
        assert_eq!(eval("1 / 0"), f64::INFINITY);
        assert_eq!(eval("log(0)"), f64::NEG_INFINITY);
        assert!(eval("sqrt(-1)").is_nan());
        assert!(eval("missing + 1").is_nan());
        assert!(eval("min(missing, 1)").is_nan());
        assert!(eval("max(1, missing)").is_nan());
    }

    #[test]
    fn metrics_lists_every_name_read_once() {
        let expr = Expr::parse("loss / (loss + `a``b`) - val/acc").expect("parses");
        let names: Vec<_> = expr.metrics().into_iter().collect();
        assert_eq!(names, vec!["a`b", "loss", "val/acc"]);
    }

    #[test]
    fn errors_name_the_expression_field_and_the_position() {
        for (text, at) in [
            ("1 +", "character 4"),
            ("(loss", "character 6"),
            ("loss loss", "character 6"),
            ("pow(1, 2)", "character 1"),
            ("min(1)", "character 1"),
            ("1.e3", "character 3"),
            ("``", "character 1"),
            ("`open", "character 1"),
            ("#", "character 1"),
        ] {
            match Expr::parse(text) {
                Err(Error::Invalid { field, reason }) => {
                    assert_eq!(field, "expression");
                    assert!(reason.contains(at), "{text}: {reason}");
                }
                other => panic!("{text}: expected invalid, got {other:?}"),
            }
        }
    }

    #[test]
    fn length_and_depth_are_bounded() {
        let long = "1+".repeat(500) + "1";
        assert!(Expr::parse(&long).is_err());
        let deep = "(".repeat(MAX_NESTING_DEPTH + 1) + "1" + &")".repeat(MAX_NESTING_DEPTH + 1);
        assert!(Expr::parse(&deep).is_err());
        let allowed = "(".repeat(MAX_NESTING_DEPTH) + "1" + &")".repeat(MAX_NESTING_DEPTH);
        assert!(Expr::parse(&allowed).is_ok());
        assert!(Expr::parse(&"-".repeat(200)).is_err());
    }

    #[test]
    fn function_names_are_metrics_unless_called() {
        let expr = Expr::parse("log + 1").expect("parses");
        assert_eq!(expr.metrics().into_iter().collect::<Vec<_>>(), vec!["log"]);
        assert_eq!(Expr::parse(&expr.to_string()).expect("reparses"), expr);
    }

    fn arb_name() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z_][a-z0-9_./]{0,8}",
            "[ -~]{1,8}",
            Just("min".to_owned()),
            Just("a`b".to_owned()),
        ]
    }

    fn arb_expr() -> impl Strategy<Value = Expr> {
        let leaf = prop_oneof![
            (0.0..1e6f64).prop_map(Expr::Number),
            prop::num::f64::POSITIVE.prop_map(Expr::Number),
            Just(Expr::Number(f64::INFINITY)),
            arb_name().prop_map(Expr::Metric),
        ];
        leaf.prop_recursive(6, 48, 2, |inner| {
            prop_oneof![
                inner.clone().prop_map(|e| Expr::Neg(Box::new(e))),
                (
                    prop_oneof![
                        Just(BinaryOp::Add),
                        Just(BinaryOp::Sub),
                        Just(BinaryOp::Mul),
                        Just(BinaryOp::Div)
                    ],
                    inner.clone(),
                    inner.clone()
                )
                    .prop_map(|(op, l, r)| Expr::Binary(op, Box::new(l), Box::new(r))),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| Expr::Call(Function::Max, vec![a, b])),
                inner.prop_map(|x| Expr::Call(Function::Log, vec![x])),
            ]
        })
    }

    proptest! {
        #[test]
        fn printing_then_parsing_gives_the_same_tree(expr in arb_expr()) {
            let printed = expr.to_string();
            prop_assert_eq!(Expr::parse(&printed).expect("printed expressions parse"), expr, "{}", printed);
        }

        #[test]
        fn arbitrary_input_never_panics(text in "\\PC{0,300}") {
            let _ = Expr::parse(&text);
        }

        #[test]
        fn arbitrary_expression_characters_never_panic(text in "[-+*/()`,. a-z0-9eE]{0,300}") {
            if let Ok(expr) = Expr::parse(&text) {
                let _ = expr.eval(&values);
                let _ = Expr::parse(&expr.to_string());
            }
        }
    }
}
