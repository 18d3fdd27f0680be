"""scripts/run_migrations.py: up, one step down, --current shows it, up again."""

from __future__ import annotations

from alembic.script import ScriptDirectory

from tests.ops import assert_exit, fetch, run_script, scratch_database, script_env
from tests.support.migrate import alembic_config

SCRIPT = ScriptDirectory.from_config(alembic_config("postgresql://unused"))
HEAD = SCRIPT.get_current_head()


def _version(url: str) -> str | None:
    if not fetch(url, "SELECT to_regclass('public.alembic_version') IS NOT NULL")[0][0]:
        return None
    rows = fetch(url, "SELECT version_num FROM alembic_version")
    return rows[0][0] if rows else None


def test_upgrade_downgrade_one_step_current_and_upgrade_again(postgres_server_url: str) -> None:
    assert HEAD is not None
    previous = SCRIPT.get_revision(HEAD).down_revision
    assert isinstance(previous, str), "needs at least two migrations in a line"

    with scratch_database(postgres_server_url, "ops_migrate") as url:
        up = run_script("run_migrations.py", "--upgrade", "head", database_url=url)
        assert_exit(up, 0, f"Running upgrade {previous} -> {HEAD}")
        assert _version(url) == HEAD
        assert fetch(url, "SELECT to_regclass('public.hotels') IS NOT NULL")[0][0]

        down = run_script("run_migrations.py", "--downgrade", "-1", database_url=url)
        assert_exit(down, 0, f"Running downgrade {HEAD} -> {previous}")
        assert _version(url) == previous

        current = run_script("run_migrations.py", "--current", database_url=url)
        assert_exit(current, 0, previous)
        assert "(head)" not in current.stdout

        history = run_script("run_migrations.py", "--history", database_url=url)
        assert_exit(history, 0, f"-> {previous} (current)", f"-> {HEAD} (head)")

        again = run_script("run_migrations.py", "--upgrade", database_url=url)  # head by default
        assert_exit(
            again, 0, f"Running upgrade {previous} -> {HEAD}", f"{HEAD} (head)"
        )  # and --current's line
        assert _version(url) == HEAD


def test_mistakes_exit_2_without_touching_the_database(postgres_server_url: str) -> None:
    with scratch_database(postgres_server_url, "ops_migrate") as url:
        assert_exit(
            run_script("run_migrations.py", "--upgrade", "nosuchrev", database_url=url), 2, "unknown revision"
        )
        assert _version(url) is None
    assert_exit(run_script("run_migrations.py", "--current"), 2, "DATABASE_URL is not set")
    assert_exit(run_script("run_migrations.py", "--current", "--history", env=script_env()), 2, "not allowed")
    assert_exit(run_script("run_migrations.py", env=script_env()), 2, "one of the arguments")
    assert_exit(run_script("run_migrations.py", "--help", env=script_env()), 0, "--downgrade REV")
    unreachable = run_script(
        "run_migrations.py", "--current", database_url="postgresql://postgres@127.0.0.1:1/x"
    )
    assert_exit(unreachable, 1, "127.0.0.1:1")
