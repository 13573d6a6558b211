"""The reliability report: runs the reliability and security checks of RELIABILITY.md that
this repository automates and prints one table — each check, its figures and pass/fail.

    make reliability            # every check (about 8 minutes on 2 cores, builds first)
    python3 bench/reliability.py --only sdk   # the checks whose name contains "sdk"

Each check is a test of the normal suite (`make test` runs them too) run again with its output
captured, so its figures (points lost, retries, latencies, leaks) can be read off the lines it
prints; or a supply-chain audit (cargo-deny, pip-audit, npm audit). A check whose tool is not
installed is reported as `skipped` with the command that installs it, and fails the report only
with `--strict` (CI passes it); an audit whose advisory service is out of reach (this build
machine reaches the package registries' downloads only) is reported as `n/a` with the reason.
Exit status: 0 when no check failed.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(os.environ.get("VENV", Path.home() / ".cache/rsdk/venv"))
# The Makefile's build folder, so a report run by hand reuses `make test`'s builds.
os.environ.setdefault("CARGO_TARGET_DIR", str(Path.home() / ".cache/rsdk/target"))


@dataclass
class Check:
    """One row of the report."""

    name: str
    command: list[str]
    # Lines of the output that hold the check's figures (the first group is shown).
    figures: list[str] = field(default_factory=list)
    cwd: Path = ROOT
    # The program the command needs and how to install it, when it is not always there.
    needs: tuple[str, str] | None = None
    # Output saying the check could not be made here (a service out of reach), not that it
    # failed: the row reads `n/a` with this reason.
    unavailable: tuple[str, str] | None = None


def cargo_test(package: str, target: str, name: str) -> list[str]:
    return [
        "cargo",
        "test",
        "-q",
        "-p",
        package,
        "--test",
        target,
        name,
        "--",
        "--exact",
        "--nocapture",
    ]


CHECKS = [
    Check(
        "kill -9 loop: chunks, creations, uploads survive SIGKILLs once; invariants hold",
        cargo_test(
            "api", "crash", "every_acknowledged_write_survives_repeated_sigkills_exactly_once"
        ),
        [r"crash test: (.*)"],
    ),
    Check(
        "SIGTERM under load: drain, exit 0, every acknowledged chunk kept",
        cargo_test(
            "api",
            "crash",
            "sigterm_under_load_drains_exits_zero_and_keeps_every_acknowledged_chunk",
        ),
        [r"sigterm under load: (.*)"],
    ),
    Check(
        "failpoint sweep: an experiment creation crashed at each commit",
        cargo_test(
            "api", "failpoints", "a_creation_crashed_at_any_commit_is_there_whole_or_not_at_all"
        ),
        [r"failpoint sweep: (.*)"],
    ),
    Check(
        "failpoint sweep: a metric chunk crashed at each write, fsync, rename, commit",
        cargo_test(
            "api",
            "failpoints",
            "a_chunk_crashed_at_any_write_fsync_rename_or_commit_is_stored_once",
        ),
        [r"failpoint sweep: (.*)"],
    ),
    Check(
        "failpoint sweep: a file upload crashed at each write, fsync, rename, commit",
        cargo_test(
            "api",
            "failpoints",
            "an_upload_crashed_at_any_write_fsync_rename_or_commit_is_committed_once",
        ),
        [r"failpoint sweep: (.*)"],
    ),
    Check(
        "failpoint sweep: a compaction job crashed at each point",
        cargo_test("api", "failpoints", "a_compaction_crashed_at_any_point_keeps_every_point_once"),
        [r"failpoint sweep: (.*)"],
    ),
    Check(
        "disk full: 507 + Retry-After, degraded readiness, recovery when space returns",
        cargo_test(
            "api",
            "disk_full",
            "a_full_disk_refuses_writes_with_507_and_degrades_readiness_until_space_returns",
        ),
        [r"disk full: (.*)"],
    ),
    Check(
        "dependencies fail mid-run: S3 cut off, FalkorDB and Redis restarted; nothing lost",
        cargo_test(
            "api",
            "engine_faults",
            "a_run_logs_on_through_s3_falkordb_and_redis_outages_and_loses_nothing",
        ),
        [r"dependency outages: (.*)"],
    ),
    Check(
        "graph engine stops: 503 with Retry-After, recovery after its return",
        cargo_test(
            "api",
            "engine_faults",
            "requests_fail_retryably_while_the_engine_is_down_and_work_again_after",
        ),
    ),
    Check(
        "Redis dies mid-run: writes go on, live subscribers recover",
        cargo_test(
            "api",
            "engine_faults",
            "a_redis_outage_neither_fails_writes_nor_ends_live_subscriptions",
        ),
    ),
    Check(
        "sdk through the fault proxy: refuse, blackhole, reset, 503, delay",
        cargo_test(
            "sdk", "faults", "logging_goes_on_through_every_network_fault_and_each_point_lands_once"
        ),
        [r"reliability: (sdk log_metric.*)", r"reliability: (sdk recovery.*)"],
    ),
    Check(
        "sdk offline spool: sync sends every point once",
        cargo_test(
            "sdk", "spool", "an_offline_run_is_kept_in_the_spool_and_sync_sends_every_point_once"
        ),
    ),
    Check(
        "sdk resend after a lost acknowledgement is stored once",
        cargo_test(
            "sdk", "spool", "a_chunk_sent_again_after_a_lost_acknowledgement_is_stored_once"
        ),
    ),
    Check(
        "API abuse: depth, alias, fragment and parser bombs refused before auth, resolvers, DB",
        cargo_test(
            "api",
            "graphql",
            "abusive_requests_are_refused_before_authentication_resolvers_or_database_calls",
        ),
        [r"abuse: (.*)"],
    ),
    Check(
        "slow clients: unfinished headers cut off after the timeout, others served meanwhile",
        cargo_test(
            "api",
            "slow_clients",
            "clients_that_never_finish_their_headers_are_cut_off_and_starve_no_one",
        ),
        [r"slow clients: (.*)"],
    ),
    Check(
        "SSRF: outbound urls refuse loopback, private, link-local and disguised addresses",
        ["cargo", "test", "-q", "-p", "graph", "--lib", "outbound::", "--", "--nocapture"],
    ),
    Check(
        "SSRF: the language model and S3 endpoint settings are never connected to",
        ["cargo", "test", "-q", "-p", "api", "--test", "outbound", "--", "--nocapture"],
    ),
    Check(
        "authorization matrix from the schema; canary secrets never leak",
        cargo_test(
            "api", "authorization", "every_operation_and_route_obeys_the_policy_for_every_principal"
        ),
        [r"authorization matrix: (.*)"],
    ),
    Check(
        "tokens: alg none, tampered, expired, revoked, replaced refresh",
        cargo_test("api", "authorization", "bad_expired_revoked_and_replaced_tokens_are_refused"),
    ),
    Check(
        "200 live subscribers on one run: point-to-client latency p95 <= 500 ms",
        cargo_test(
            "api",
            "subscriptions",
            "two_hundred_subscribers_each_get_every_chunk_within_half_a_second",
        ),
        [r"200 subscribers: (.*)"],
    ),
    Check(
        "losing access closes a live subscription within 5 s",
        cargo_test(
            "api", "subscriptions", "logout_ends_a_running_subscription_within_five_seconds"
        ),
    ),
    Check(
        "bad file uploads and traversal paths refused, nothing stored",
        cargo_test("api", "files", "bad_uploads_are_refused_with_the_field_and_store_nothing"),
    ),
    Check(
        "bad code archives refused, nothing stored",
        cargo_test("api", "code", "bad_code_uploads_name_the_field_and_store_nothing"),
    ),
    Check(
        "bad metric chunks refused with the reason, nothing stored",
        cargo_test("api", "metrics", "bad_chunks_are_refused_with_the_reason_and_store_nothing"),
    ),
    Check(
        "Cypher-injection corpus in every free-text field: stored verbatim, nothing else changes",
        cargo_test(
            "api", "injection", "injection_payloads_are_stored_verbatim_and_change_nothing_else"
        ),
    ),
    Check(
        "generated GraphQL from the schema and hostile REST requests: 0 5xx, 0 internal",
        cargo_test(
            "api",
            "generated",
            "generated_operations_and_requests_never_get_a_5xx_or_an_internal_error",
        ),
        [r"generated: (.*)"],
    ),
    Check(
        "cargo-fuzz: chunk decoders, paths, archives, tokens, features, patches (10 s each)",
        ["make", "-s", "fuzz", "FUZZ_SECONDS=10"],
        [r"(#\d+\s+DONE .*)"],
        needs=("cargo-fuzz", "cargo install --locked cargo-fuzz"),
    ),
    Check(
        "supply chain: cargo-deny licences, bans and sources",
        ["cargo", "deny", "--log-level", "error", "check", "licenses", "bans", "sources"],
        needs=("cargo-deny", "cargo install --locked cargo-deny"),
    ),
    Check(
        "supply chain: pip-audit of the SDK's environment (its optional and test dependencies)",
        [str(VENV / "bin/pip-audit"), "--progress-spinner", "off"],
        needs=(str(VENV / "bin/pip-audit"), f"{VENV}/bin/pip install pip-audit"),
        unavailable=(
            r"could not be audited",
            "PyPI's vulnerability API is out of reach from this machine",
        ),
    ),
    Check(
        "supply chain: npm audit of the web UI (runtime dependencies, high and critical)",
        ["npm", "audit", "--omit=dev", "--audit-level=high"],
        cwd=ROOT / "web",
        needs=("npm", "apt-get install npm"),
        unavailable=(
            r"audit endpoint returned an error",
            "the npm registry's advisory endpoint is out of reach from this machine",
        ),
    ),
]


@dataclass
class Row:
    name: str
    outcome: str
    seconds: float
    figures: list[str]


def run(check: Check) -> Row:
    if check.needs and shutil.which(check.needs[0]) is None and not Path(check.needs[0]).exists():
        return Row(check.name, "skipped", 0.0, [f"not installed: {check.needs[1]}"])
    started = time.monotonic()
    done = subprocess.run(check.command, cwd=check.cwd, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    output = done.stdout + done.stderr
    figures = [
        match.group(1).strip()
        for pattern in check.figures
        for match in re.finditer(pattern, output)
    ]
    if check.unavailable and re.search(check.unavailable[0], output):
        return Row(check.name, "n/a", seconds, [check.unavailable[1]])
    ran = sum(int(count) for count in re.findall(r"test result: \w+\. (\d+) passed", output))
    if check.command[:2] == ["cargo", "test"] and done.returncode == 0 and ran == 0:
        return Row(
            check.name, "FAIL", seconds, ["no test ran: the name in bench/reliability.py is stale"]
        )
    if done.returncode != 0:
        tail = [line for line in output.strip().splitlines() if line.strip()][-3:]
        figures.extend(tail)
    return Row(check.name, "pass" if done.returncode == 0 else "FAIL", seconds, figures)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", help="run only the checks whose name contains this text")
    parser.add_argument(
        "--strict", action="store_true", help="a skipped check (tool missing) fails the report"
    )
    arguments = parser.parse_args()
    chosen = [check for check in CHECKS if not arguments.only or arguments.only in check.name]
    rows = []
    for index, check in enumerate(chosen, 1):
        print(f"[{index}/{len(chosen)}] {check.name} ...", file=sys.stderr, flush=True)
        rows.append(run(check))
    width = max(len(row.name) for row in rows)
    print(f"\n| {'check'.ljust(width)} | result  | time    | figures")
    print(f"|{'-' * (width + 2)}|---------|---------|--------")
    for row in rows:
        figures = "; ".join(row.figures) if row.figures else ""
        print(
            f"| {row.name.ljust(width)} | {row.outcome.ljust(7)} | {row.seconds:6.1f}s | {figures}"
        )
    failed = [
        row
        for row in rows
        if row.outcome == "FAIL" or (arguments.strict and row.outcome == "skipped")
    ]
    outcomes = ("pass", "FAIL", "n/a", "skipped")
    counts = [(sum(row.outcome == outcome for row in rows), outcome) for outcome in outcomes]
    print("\n" + ", ".join(f"{count} {outcome}" for count, outcome in counts if count))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
