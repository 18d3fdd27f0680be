"""scripts/db_maintenance.py on a live, migrated database."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from tests.ops import assert_exit, execute, fetch, run_script, scratch_database
from tests.support.migrate import upgrade_head

SECTIONS = [
    "== Connections ==",
    "== Long-running queries (> 5 min) ==",
    "== Table bloat (dead tuples, from pg_stat_user_tables) ==",
    "== Unused indexes",
    "== Slow queries (pg_stat_statements) ==",
]


@pytest.fixture(scope="module")
def live(postgres_server_url: str) -> Iterator[str]:
    """A migrated database with a table full of dead tuples."""
    with scratch_database(postgres_server_url, "ops_maint") as url:
        upgrade_head(url)
        execute(
            url,
            "CREATE TABLE scratch_bloat (id int PRIMARY KEY, note text)",
            "ALTER TABLE scratch_bloat SET (autovacuum_enabled = false)",
            "INSERT INTO scratch_bloat SELECT g, 'Zimmer ' || g FROM generate_series(1, 5000) g",
            "DELETE FROM scratch_bloat WHERE id > 500",
        )
        yield url


def _maintenance_counts(url: str) -> dict[str, int]:
    rows = fetch(url, "SELECT relname, vacuum_count + analyze_count AS n FROM pg_stat_user_tables")
    return {r["relname"]: r["n"] for r in rows}


def _dead_tuples(url: str, table: str) -> int:
    return fetch(url, "SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = $1", table)[0][0]


def test_health_check_prints_every_section(live: str) -> None:
    result = run_script("db_maintenance.py", "--health-check", database_url=live)

    assert_exit(result, 0, *SECTIONS, "max_connections")
    # The test server has no pg_stat_statements: the check says so instead of failing.
    assert "pg_stat_statements is not installed" in result.stdout


def test_health_check_json_reports_the_dead_tuples(live: str) -> None:
    deadline = time.monotonic() + 10  # statistics reach the views shortly after the transaction
    while _dead_tuples(live, "scratch_bloat") == 0 and time.monotonic() < deadline:
        time.sleep(0.2)

    result = run_script("db_maintenance.py", "--health-check", "--json", database_url=live)

    assert_exit(result, 0)
    health = json.loads(result.stdout)["health"]
    assert set(health) >= {"connections", "long_running", "bloat", "unused_indexes", "slow_queries"}
    assert health["connections"]["total"] >= 1
    assert health["connections"]["max_connections"] > 0
    assert health["slow_queries"]["available"] is False
    bloat = {t["table"]: t for t in health["bloat"]["tables"]}
    assert bloat["public.scratch_bloat"]["dead"] == 4500
    assert "public.scratch_bloat" in health["bloat"]["needing_vacuum"]


def test_table_vacuums_only_the_named_tables(live: str) -> None:
    before = _maintenance_counts(live)

    result = run_script(
        "db_maintenance.py",
        "--vacuum-all",
        "--table",
        "scratch_bloat",
        "--table",
        "public.hotels",
        database_url=live,
    )

    assert_exit(result, 0, "VACUUM (ANALYZE)", "public.scratch_bloat: done", "public.hotels: done")
    after = _maintenance_counts(live)
    changed = {name for name in after if after[name] != before.get(name)}
    assert changed == {"scratch_bloat", "hotels"}
    assert _dead_tuples(live, "scratch_bloat") == 0


@pytest.mark.parametrize(
    "names",
    [["bogus"], ["hotels", "bogus"], ["hotels; DROP TABLE guests"], ['hotels" CASCADE; --']],
)
def test_unknown_table_exits_2_and_touches_nothing(live: str, names: list[str]) -> None:
    before = _maintenance_counts(live)

    result = run_script(
        "db_maintenance.py",
        "--vacuum-all",
        *[arg for n in names for arg in ("--table", n)],
        database_url=live,
    )

    assert_exit(result, 2, "unknown table(s): ", names[-1])
    assert _maintenance_counts(live) == before
    assert fetch(live, "SELECT to_regclass('public.guests') IS NOT NULL")[0][0]


def test_vacuum_all_and_all(live: str) -> None:
    vacuum = run_script("db_maintenance.py", "--vacuum-all", database_url=live)
    assert_exit(vacuum, 0, "public.guests: done", "public.messages: done")

    everything = run_script("db_maintenance.py", "--all", "--json", database_url=live)
    assert_exit(everything, 0)
    report = json.loads(everything.stdout)
    assert set(report) == {"health", "vacuum", "reindex"}
    assert all(step["ok"] for step in report["vacuum"] + report["reindex"])
    reindexed = {step["table"] for step in report["reindex"] if not step.get("skipped")}
    assert {"public.messages", "public.scratch_bloat"} <= reindexed


def test_usage_errors(live: str) -> None:
    assert_exit(run_script("db_maintenance.py", database_url=live), 2, "choose --health-check")
    assert_exit(run_script("db_maintenance.py", "--health-check"), 2, "DATABASE_URL is not set")
    assert_exit(run_script("db_maintenance.py", "--help"), 0, "--vacuum-all", "--table T")
    unreachable = run_script(
        "db_maintenance.py", "--health-check", database_url="postgresql+asyncpg://postgres@127.0.0.1:1/x"
    )
    assert_exit(unreachable, 1, "cannot connect")
