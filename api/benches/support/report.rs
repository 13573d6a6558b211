//! The figures a benchmark measured: one line printed as each is measured, and a markdown
//! table of them all at the end, with the columns the benchmark chose.

use std::time::Duration;

/// Nearest-rank percentiles of some timings.
#[derive(Clone, Copy)]
pub struct Percentiles {
    pub p50: Duration,
    pub p95: Duration,
    pub p99: Duration,
    pub max: Duration,
}

/// p50, p95, p99 and max of `durations` by nearest rank.
pub fn percentiles(durations: &[Duration]) -> Percentiles {
    let mut sorted = durations.to_vec();
    sorted.sort();
    let rank = |fraction: f64| {
        let index = ((fraction * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        sorted[index - 1]
    };
    Percentiles {
        p50: rank(0.50),
        p95: rank(0.95),
        p99: rank(0.99),
        max: rank(1.0),
    }
}

/// A duration as the tables show it: seconds from 10 s, whole milliseconds from 100 ms,
/// hundredths of a millisecond below.
pub fn format_duration(duration: Duration) -> String {
    let millis = duration.as_secs_f64() * 1_000.0;
    if millis >= 10_000.0 {
        format!("{:.1} s", millis / 1_000.0)
    } else if millis >= 100.0 {
        format!("{millis:.0} ms")
    } else {
        format!("{millis:.2} ms")
    }
}

/// The most a latency may be, on its median or on its slowest call.
#[derive(Clone, Copy)]
pub enum Target {
    P50(Duration),
    Max(Duration),
}

impl Target {
    /// The target as the table shows it, `p50 ≤ 30.00 ms`.
    fn describe(self) -> String {
        match self {
            Target::P50(limit) => format!("p50 ≤ {}", format_duration(limit)),
            Target::Max(limit) => format!("max ≤ {}", format_duration(limit)),
        }
    }

    fn is_met_by(self, measured: Percentiles) -> bool {
        match self {
            Target::P50(limit) => measured.p50 <= limit,
            Target::Max(limit) => measured.max <= limit,
        }
    }
}

/// One measurement: a row of the table.
pub struct Line {
    pub name: String,
    /// How many calls, points or files it covers.
    pub count: usize,
    /// The time all of them took, when they were timed.
    pub total: Option<Duration>,
    /// Already formatted: a rate (points/s, experiments/s, calls/s), bytes, a ratio, a count.
    pub figure: String,
    /// Of the individual calls, when they were timed one by one.
    pub percentiles: Option<Percentiles>,
    /// What the measurement should reach, as the table shows it; empty when nothing is asked.
    pub target: String,
    /// Whether it reached its target; `None` without one.
    pub met: Option<bool>,
}

impl Line {
    /// Calls one after another, with `figure` beside their timings.
    pub fn timed(name: &str, durations: &[Duration], figure: String) -> Line {
        Line {
            name: name.to_owned(),
            count: durations.len(),
            total: Some(durations.iter().sum()),
            figure,
            percentiles: Some(percentiles(durations)),
            target: String::new(),
            met: None,
        }
    }

    /// A figure that is not a timing: a size, a ratio, a count.
    pub fn value(name: &str, count: usize, figure: String) -> Line {
        Line {
            name: name.to_owned(),
            count,
            total: None,
            figure,
            percentiles: None,
            target: String::new(),
            met: None,
        }
    }
}

/// A column of the table.
#[derive(Clone, Copy)]
pub enum Column {
    Measurement,
    Count,
    Total,
    /// The figure, right-aligned under `rate/s`.
    Rate,
    /// The figure, left-aligned under `figure`.
    Figure,
    P50,
    P95,
    P99,
    Max,
    Target,
    /// `met` or `**missed**` where there is a target.
    Verdict,
}

impl Column {
    fn header(self) -> &'static str {
        match self {
            Column::Measurement => "measurement",
            Column::Count => "n",
            Column::Total => "total",
            Column::Rate => "rate/s",
            Column::Figure => "figure",
            Column::P50 => "p50",
            Column::P95 => "p95",
            Column::P99 => "p99",
            Column::Max => "max",
            Column::Target => "target",
            Column::Verdict => "verdict",
        }
    }

    /// The markdown alignment row's cell: numbers to the right, text to the left.
    fn alignment(self) -> &'static str {
        match self {
            Column::Measurement | Column::Figure | Column::Target | Column::Verdict => "---",
            _ => "---:",
        }
    }

    fn cell(self, line: &Line) -> String {
        let percentile = |pick: fn(&Percentiles) -> Duration| {
            line.percentiles
                .map(|measured| format_duration(pick(&measured)))
                .unwrap_or_default()
        };
        match self {
            Column::Measurement => line.name.clone(),
            Column::Count => line.count.to_string(),
            Column::Total => line.total.map(format_duration).unwrap_or_default(),
            Column::Rate | Column::Figure => line.figure.clone(),
            Column::P50 => percentile(|measured| measured.p50),
            Column::P95 => percentile(|measured| measured.p95),
            Column::P99 => percentile(|measured| measured.p99),
            Column::Max => percentile(|measured| measured.max),
            Column::Target => line.target.clone(),
            Column::Verdict => match line.met {
                Some(true) => "met",
                Some(false) => "**missed**",
                None => "",
            }
            .to_owned(),
        }
    }
}

/// The measurements so far, printed as a table of `columns` at the end.
pub struct Report {
    columns: &'static [Column],
    lines: Vec<Line>,
}

impl Report {
    /// An empty report whose table has `columns`, in that order.
    pub fn new(columns: &'static [Column]) -> Report {
        Report {
            columns,
            lines: Vec::new(),
        }
    }

    /// Calls one after another: the figure is calls per second of their summed durations,
    /// checked against `target` when there is one.
    pub fn latency(&mut self, name: &str, durations: &[Duration], target: Option<Target>) {
        let total: Duration = durations.iter().sum();
        let calls_per_second = format!("{:.0}", durations.len() as f64 / total.as_secs_f64());
        let mut line = Line::timed(name, durations, calls_per_second);
        if let (Some(target), Some(measured)) = (target, line.percentiles) {
            line.target = target.describe();
            line.met = Some(target.is_met_by(measured));
        }
        self.push(line);
    }

    /// Calls one after another, with `figure` beside their timings.
    pub fn latency_with_figure(&mut self, name: &str, durations: &[Duration], figure: String) {
        self.push(Line::timed(name, durations, figure));
    }

    /// A figure that is not a timing: a size, a ratio, a count.
    pub fn value(&mut self, name: &str, count: usize, figure: String) {
        self.push(Line::value(name, count, figure));
    }

    /// Adds `line`, and says right away what it measured.
    pub fn push(&mut self, line: Line) {
        let summary = match line.percentiles {
            Some(measured) => format!("p50 {}", format_duration(measured.p50)),
            None => line.figure.clone(),
        };
        println!("measured: {} ({summary})", line.name);
        self.lines.push(line);
    }

    /// Prints the markdown table of every measurement.
    pub fn print(&self) {
        let row = |cells: Vec<String>| format!("| {} |", cells.join(" | "));
        println!();
        println!(
            "{}",
            row(self
                .columns
                .iter()
                .map(|column| column.header().to_owned())
                .collect())
        );
        let alignments: Vec<&str> = self.columns.iter().map(|column| column.alignment()).collect();
        println!("|{}|", alignments.join("|"));
        for line in &self.lines {
            println!(
                "{}",
                row(self.columns.iter().map(|column| column.cell(line)).collect())
            );
        }
    }
}
