//! Latency and rate figures, printed as a table against the targets.

use super::*;

/// A target and the statistic it is judged on.
#[derive(Clone, Copy)]
pub(crate) enum Target {
    MinRate(f64),
    MaxP50(Duration),
    MaxMax(Duration),
}

impl Target {
    pub(crate) fn rate(per_second: f64) -> Self {
        Target::MinRate(per_second)
    }

    pub(crate) fn p50(limit: Duration) -> Self {
        Target::MaxP50(limit)
    }

    pub(crate) fn max(limit: Duration) -> Self {
        Target::MaxMax(limit)
    }

    pub(crate) fn describe(self) -> String {
        match self {
            Target::MinRate(rate) => format!("≥ {rate:.0}/s"),
            Target::MaxP50(limit) => format!("p50 ≤ {}", format_duration(limit)),
            Target::MaxMax(limit) => format!("max ≤ {}", format_duration(limit)),
        }
    }
}

pub(crate) struct Line {
    pub(crate) name: String,
    pub(crate) count: usize,
    pub(crate) total: Duration,
    pub(crate) rate: f64,
    pub(crate) percentiles: [Duration; 4],
    pub(crate) target: Option<(Target, bool)>,
}

#[derive(Default)]
pub(crate) struct Report {
    pub(crate) lines: Vec<Line>,
}

impl Report {
    /// Calls one after another: the rate is the count over the sum of their durations.
    pub(crate) fn throughput(&mut self, name: &str, durations: &[Duration], target: Option<Target>) {
        let total: Duration = durations.iter().sum();
        let rate = durations.len() as f64 / total.as_secs_f64();
        let met = target.map(|target| match target {
            Target::MinRate(minimum) => (target, rate >= minimum),
            _ => (target, false),
        });
        self.push(name, durations, total, met);
    }

    pub(crate) fn latency(&mut self, name: &str, durations: &[Duration], target: Option<Target>) {
        let total = durations.iter().sum();
        let percentiles = percentiles(durations);
        let met = target.map(|target| match target {
            Target::MaxP50(limit) => (target, percentiles[0] <= limit),
            Target::MaxMax(limit) => (target, percentiles[3] <= limit),
            Target::MinRate(_) => (target, false),
        });
        self.push(name, durations, total, met);
    }

    pub(crate) fn push(
        &mut self,
        name: &str,
        durations: &[Duration],
        total: Duration,
        target: Option<(Target, bool)>,
    ) {
        let line = Line {
            name: name.to_owned(),
            count: durations.len(),
            total,
            rate: durations.len() as f64 / total.as_secs_f64(),
            percentiles: percentiles(durations),
            target,
        };
        println!(
            "measured: {} (p50 {})",
            line.name,
            format_duration(line.percentiles[0])
        );
        self.lines.push(line);
    }

    pub(crate) fn print(&self) {
        println!();
        println!("| measurement | n | total | rate/s | p50 | p95 | p99 | max | target | verdict |");
        println!("|---|---:|---:|---:|---:|---:|---:|---:|---|---|");
        for line in &self.lines {
            let [p50, p95, p99, max] = line.percentiles.map(format_duration);
            let (target, verdict) = match line.target {
                Some((target, met)) => (target.describe(), if met { "met" } else { "**missed**" }),
                None => (String::new(), ""),
            };
            println!(
                "| {} | {} | {} | {:.0} | {p50} | {p95} | {p99} | {max} | {target} | {verdict} |",
                line.name,
                line.count,
                format_duration(line.total),
                line.rate
            );
        }
    }
}

/// p50, p95, p99 and max by nearest rank.
pub(crate) fn percentiles(durations: &[Duration]) -> [Duration; 4] {
    let mut sorted = durations.to_vec();
    sorted.sort();
    let rank = |fraction: f64| {
        let index = ((fraction * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        sorted[index - 1]
    };
    [rank(0.50), rank(0.95), rank(0.99), rank(1.0)]
}

pub(crate) fn format_duration(duration: Duration) -> String {
    let millis = duration.as_secs_f64() * 1_000.0;
    if millis >= 10_000.0 {
        format!("{:.1} s", millis / 1_000.0)
    } else if millis >= 100.0 {
        format!("{millis:.0} ms")
    } else {
        format!("{millis:.2} ms")
    }
}

/// One row per measurement with each engine's p50 and rate beside each other.
pub(crate) fn print_side_by_side(reports: &[(String, Report)]) {
    let Some((_, first)) = reports.first() else {
        return;
    };
    println!();
    let engines: Vec<&str> = reports.iter().map(|(engine, _)| engine.as_str()).collect();
    let columns: String = engines
        .iter()
        .map(|engine| format!(" {engine} p50 | {engine} rate/s |"))
        .collect();
    println!("| measurement |{columns}");
    println!("|---|{}", "---:|---:|".repeat(engines.len()));
    for line in &first.lines {
        let cells: String = reports
            .iter()
            .map(
                |(_, report)| match report.lines.iter().find(|other| other.name == line.name) {
                    Some(found) => {
                        format!(" {} | {:.0} |", format_duration(found.percentiles[0]), found.rate)
                    }
                    None => " – | – |".to_owned(),
                },
            )
            .collect();
        println!("| {} |{cells}", line.name);
    }
}
