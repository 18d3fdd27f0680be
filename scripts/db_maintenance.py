"""Database health check and routine maintenance (VACUUM, ANALYZE, REINDEX CONCURRENTLY).

  uv run python scripts/db_maintenance.py --health-check [--json]
  uv run python scripts/db_maintenance.py --vacuum-all
  uv run python scripts/db_maintenance.py --vacuum-all --table hotels --table messages
  uv run python scripts/db_maintenance.py --all

The health check reads the statistics views only: connections by state against max_connections,
queries running longer than 5 minutes, dead tuples per table (a bloat estimate from
pg_stat_user_tables), indexes never scanned (pg_stat_user_indexes, constraint indexes left out),
and the slowest statements from pg_stat_statements when that extension is installed.
Table names given with --table are looked up in the catalog first; an unknown name stops the
script (exit 2) before anything runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from datetime import datetime, timedelta
from typing import Any

import asyncpg
from _ops import EXIT_FAILED, EXIT_OK, DbUrl, UsageError, connect, run_main, server_major

TABLES_SQL = r"""
SELECT n.nspname AS schema, c.relname AS name, n.nspname || '.' || c.relname AS qualified,
       format('%I.%I', n.nspname, c.relname) AS quoted, c.relkind = 'p' AS partitioned,
       EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid) AS has_indexes
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 3
"""

CONNECTIONS_SQL = """
SELECT coalesce(state, 'unknown') AS state, count(*) AS count
FROM pg_stat_activity WHERE backend_type = 'client backend'
GROUP BY 1 ORDER BY 2 DESC, 1
"""

LONG_RUNNING_SQL = """
SELECT pid, usename AS user, datname AS database, state,
       extract(epoch FROM now() - coalesce(xact_start, query_start))::int AS seconds,
       left(regexp_replace(query, '\\s+', ' ', 'g'), 160) AS query
FROM pg_stat_activity
WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND state IS DISTINCT FROM 'idle'
  AND now() - coalesce(xact_start, query_start) > make_interval(secs => $1)
ORDER BY seconds DESC
"""

BLOAT_SQL = """
SELECT schemaname || '.' || relname AS table, n_live_tup AS live, n_dead_tup AS dead,
       round(100.0 * n_dead_tup / nullif(n_live_tup + n_dead_tup, 0), 1)::float AS dead_pct,
       pg_total_relation_size(relid) AS bytes,
       greatest(last_vacuum, last_autovacuum) AS last_vacuum,
       greatest(last_analyze, last_autoanalyze) AS last_analyze
FROM pg_stat_user_tables
ORDER BY n_dead_tup DESC, 1
"""

UNUSED_INDEXES_SQL = """
SELECT s.schemaname || '.' || s.relname AS table, s.indexrelname AS index,
       pg_relation_size(s.indexrelid) AS bytes
FROM pg_stat_user_indexes s JOIN pg_index i ON i.indexrelid = s.indexrelid
WHERE s.idx_scan = 0 AND NOT i.indisunique AND NOT i.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = s.indexrelid)
ORDER BY bytes DESC, 1, 2
"""

SLOW_QUERIES_SQL = """
SELECT calls, round({total}::numeric, 1)::float AS total_ms, round({mean}::numeric, 1)::float AS mean_ms,
       left(regexp_replace(query, '\\s+', ' ', 'g'), 160) AS query
FROM {schema}.pg_stat_statements
WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
ORDER BY {mean} DESC LIMIT $1
"""

DEAD_PCT_WARN, DEAD_ROWS_WARN, CONNECTIONS_WARN_PCT = 20.0, 1000, 80


# ---------------------------------------------------------------- health check


async def _slow_queries(conn: asyncpg.Connection, major: int, limit: int) -> dict[str, Any]:
    schema = await conn.fetchval(
        "SELECT format('%I', n.nspname) FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
        " WHERE e.extname = 'pg_stat_statements'"
    )
    if schema is None:
        return {
            "available": False,
            "note": "pg_stat_statements is not installed in this database: add it to "
            "shared_preload_libraries and run CREATE EXTENSION pg_stat_statements to see slow queries",
            "queries": [],
        }
    names = ("total_exec_time", "mean_exec_time") if major >= 13 else ("total_time", "mean_time")
    sql = SLOW_QUERIES_SQL.format(total=names[0], mean=names[1], schema=schema)
    try:
        rows = await conn.fetch(sql, limit)
    except asyncpg.PostgresError as exc:
        return {
            "available": False,
            "note": f"pg_stat_statements is installed but unusable: {exc}",
            "queries": [],
        }
    return {"available": True, "note": None, "queries": [dict(r) for r in rows]}


async def health_check(conn: asyncpg.Connection, long_seconds: int) -> dict[str, Any]:
    major = await server_major(conn)
    max_connections = int(await conn.fetchval("SHOW max_connections"))
    by_state = {r["state"]: r["count"] for r in await conn.fetch(CONNECTIONS_SQL)}
    total = sum(by_state.values())
    tables = [dict(r) for r in await conn.fetch(BLOAT_SQL)]
    for table in tables:
        table["needs_vacuum"] = table["dead"] >= DEAD_ROWS_WARN and (table["dead_pct"] or 0) >= DEAD_PCT_WARN
    return {
        "database": await conn.fetchval("SELECT current_database()"),
        "server_version": await conn.fetchval("SHOW server_version"),
        "connections": {
            "by_state": by_state,
            "total": total,
            "max_connections": max_connections,
            "used_pct": round(100 * total / max_connections, 1),
            "warning": 100 * total / max_connections >= CONNECTIONS_WARN_PCT,
        },
        "long_running": {
            "threshold_seconds": long_seconds,
            "queries": [dict(r) for r in await conn.fetch(LONG_RUNNING_SQL, long_seconds)],
        },
        "bloat": {"tables": tables, "needing_vacuum": [t["table"] for t in tables if t["needs_vacuum"]]},
        "unused_indexes": {
            "stats_since": await conn.fetchval(
                "SELECT stats_reset FROM pg_stat_database WHERE datname = current_database()"
            ),
            "indexes": [dict(r) for r in await conn.fetch(UNUSED_INDEXES_SQL)],
        },
        "slow_queries": await _slow_queries(conn, major, 10),
    }


def _bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1024:
            return f"{value:.0f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"


def print_health(report: dict[str, Any]) -> None:
    print(f"Health of database {report['database']} (PostgreSQL {report['server_version']})")
    conns = report["connections"]
    print("\n== Connections ==")
    state = ", ".join(f"{k}: {v}" for k, v in conns["by_state"].items()) or "none"
    flag = "  WARNING: close to the limit" if conns["warning"] else ""
    print(f"  {conns['total']} of max_connections {conns['max_connections']} ({conns['used_pct']}%){flag}")
    print(f"  by state: {state}")

    long_running = report["long_running"]
    print(f"\n== Long-running queries (> {long_running['threshold_seconds'] // 60} min) ==")
    for q in long_running["queries"]:
        print(f"  pid {q['pid']} {q['state']} for {timedelta(seconds=q['seconds'])}: {q['query']}")
    if not long_running["queries"]:
        print("  none")

    bloat = report["bloat"]
    print("\n== Table bloat (dead tuples, from pg_stat_user_tables) ==")
    shown = [t for t in bloat["tables"] if t["dead"]][:10]
    for t in shown:
        mark = "  <-- needs VACUUM" if t["needs_vacuum"] else ""
        size = _bytes(t["bytes"])
        print(f"  {t['table']}: {t['dead']} dead / {t['live']} live ({t['dead_pct']}%), {size}{mark}")
    if not shown:
        print(f"  no dead tuples in {len(bloat['tables'])} tables")

    unused = report["unused_indexes"]
    print("\n== Unused indexes (never scanned; unique and constraint indexes left out) ==")
    for i in unused["indexes"]:
        print(f"  {i['index']} on {i['table']}, {_bytes(i['bytes'])}")
    if not unused["indexes"]:
        print("  none")
    if unused["stats_since"]:
        print(f"  (statistics since {unused['stats_since']:%Y-%m-%d %H:%M})")

    slow = report["slow_queries"]
    print("\n== Slow queries (pg_stat_statements) ==")
    if not slow["available"]:
        print(f"  {slow['note']}")
    for q in slow["queries"]:
        print(f"  {q['mean_ms']} ms mean, {q['calls']} calls: {q['query']}")
    if slow["available"] and not slow["queries"]:
        print("  none recorded")


# ---------------------------------------------------------------- vacuum, reindex


async def resolve_tables(conn: asyncpg.Connection, names: list[str]) -> list[asyncpg.Record]:
    """The catalog rows for ``names`` (``table`` or ``schema.table``); UsageError on any unknown."""
    tables = await conn.fetch(TABLES_SQL)
    if not names:
        return list(tables)
    chosen, unknown = [], []
    for name in names:
        matches = [t for t in tables if name in (t["qualified"], t["name"])]
        matches = matches or [t for t in tables if name.lower() in (t["qualified"], t["name"])]
        if len(matches) > 1:
            raise UsageError(f"table {name!r} is in several schemas; write it as schema.table")
        if not matches:
            unknown.append(name)
        elif matches[0]["qualified"] not in [c["qualified"] for c in chosen]:
            chosen.append(matches[0])
    if unknown:
        known = ", ".join(t["qualified"] for t in tables) or "none"
        raise UsageError(f"unknown table(s): {', '.join(unknown)} (tables in this database: {known})")
    return chosen


async def _each(conn: asyncpg.Connection, tables: list[asyncpg.Record], action: str) -> list[dict[str, Any]]:
    results = []
    for table in tables:
        if action == "reindex" and (table["partitioned"] or not table["has_indexes"]):
            reason = "partitioned table" if table["partitioned"] else "no indexes"
            results.append({"table": table["qualified"], "ok": True, "skipped": reason, "seconds": 0})
            continue
        # ``quoted`` is the catalog's own name through format('%I'); nothing typed by the operator.
        sql = (
            f"VACUUM (ANALYZE) {table['quoted']}"
            if action == "vacuum"
            else f"REINDEX TABLE CONCURRENTLY {table['quoted']}"
        )
        started = time.monotonic()
        try:
            await conn.execute(sql)  # asyncpg runs it outside a transaction (autocommit)
            outcome: dict[str, Any] = {"ok": True}
        except asyncpg.PostgresError as exc:
            outcome = {"ok": False, "error": f"{exc.__class__.__name__}: {exc}"}
        results.append(
            {"table": table["qualified"], **outcome, "seconds": round(time.monotonic() - started, 2)}
        )
    return results


def print_results(title: str, results: list[dict[str, Any]]) -> None:
    print(f"\n== {title} ==")
    for r in results:
        if r.get("skipped"):
            print(f"  {r['table']}: skipped ({r['skipped']})")
        elif r["ok"]:
            print(f"  {r['table']}: done in {r['seconds']} s")
        else:
            print(f"  {r['table']}: FAILED: {r['error']}")
    if not results:
        print("  no tables")


# ---------------------------------------------------------------- main


async def run(args: argparse.Namespace, url: DbUrl) -> tuple[dict[str, Any], int]:
    conn = await connect(url)
    try:
        await conn.execute("SET statement_timeout = 0")
        tables = await resolve_tables(conn, args.table)  # before anything else runs
        report: dict[str, Any] = {}
        if args.health_check or args.all:
            report["health"] = await health_check(conn, args.long_query_minutes * 60)
            if not args.json:
                print_health(report["health"])
        if args.vacuum_all or args.table or args.all:
            report["vacuum"] = await _each(conn, tables, "vacuum")
            if not args.json:
                print_results("VACUUM (ANALYZE)", report["vacuum"])
        if args.all:
            if await server_major(conn) >= 12:
                report["reindex"] = await _each(conn, tables, "reindex")
            else:
                report["reindex"] = [{"table": "*", "ok": True, "skipped": "REINDEX CONCURRENTLY needs 12+"}]
            if not args.json:
                print_results("REINDEX TABLE CONCURRENTLY", report["reindex"])
    finally:
        await conn.close()
    failed = any(not r["ok"] for key in ("vacuum", "reindex") for r in report.get(key, []))
    return report, EXIT_FAILED if failed else EXIT_OK


def _json_default(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="db_maintenance.py",
        description=__doc__.split("\n\n", 1)[0] if __doc__ else None,
        epilog="Reads DATABASE_URL (postgresql:// or postgresql+asyncpg://). Exit codes: 0 ok (health "
        "warnings included), 1 a step failed or the database is unreachable, 2 usage error or unknown table.",
    )
    parser.add_argument(
        "--health-check", action="store_true", help="connections, long queries, bloat, indexes"
    )
    parser.add_argument("--vacuum-all", action="store_true", help="VACUUM (ANALYZE) every user table")
    parser.add_argument(
        "--table",
        action="append",
        default=[],
        metavar="T",
        help="only this table (name or schema.name; repeatable); alone it means VACUUM (ANALYZE) of these",
    )
    parser.add_argument(
        "--all", action="store_true", help="health check, VACUUM (ANALYZE), then REINDEX TABLE CONCURRENTLY"
    )
    parser.add_argument("--long-query-minutes", type=int, default=5, metavar="M", help="default 5")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of text")
    return parser


def main() -> int:
    parser = build_parser()
    args = parser.parse_args()
    if not (args.health_check or args.vacuum_all or args.table or args.all):
        parser.print_usage()
        raise UsageError("choose --health-check, --vacuum-all, --table T or --all")
    report, code = asyncio.run(run(args, DbUrl.from_env()))
    if args.json:
        print(json.dumps(report, indent=2, default=_json_default, ensure_ascii=False))
    return code


if __name__ == "__main__":
    run_main(main)
