"""Apply, undo and show the database migrations (Alembic, with the project's alembic.ini).

  uv run python scripts/run_migrations.py --upgrade head
  uv run python scripts/run_migrations.py --downgrade -1       # one step back
  uv run python scripts/run_migrations.py --current
  uv run python scripts/run_migrations.py --history

A downgrade can drop tables and columns with their data: take a backup first
(scripts/backup.py).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings
from typing import TYPE_CHECKING

from _ops import EXIT_FAILED, EXIT_OK, EXIT_USAGE, ROOT, DbUrl, OpsError, UsageError, run_main

if TYPE_CHECKING:
    from alembic.config import Config


def alembic_config(url: DbUrl | None) -> Config:
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["configure_logger"] = False
    if url is not None:
        config.attributes["url"] = url.dsn  # migrations/env.py turns it into postgresql+asyncpg://
    return config


def _check_revision(config: Config, revision: str) -> None:
    """An unknown revision is the operator's mistake: exit 2 before connecting."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    plain = revision.rsplit("@", maxsplit=1)[-1]
    if plain in ("head", "heads", "base") or any(c in plain for c in "+-"):
        return  # relative and symbolic targets are resolved by Alembic against the database
    try:
        revisions = ScriptDirectory.from_config(config).get_revisions(plain)
    except CommandError as exc:
        raise UsageError(f"unknown revision {revision!r}: {exc}") from exc
    if not revisions:
        raise UsageError(f"unknown revision {revision!r}")


def _show_progress() -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("  %(message)s"))
    handler.addFilter(lambda record: record.getMessage().startswith("Running"))
    logger = logging.getLogger("alembic.runtime.migration")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="run_migrations.py",
        description=__doc__.split("\n\n", 1)[0] if __doc__ else None,
        epilog="Reads DATABASE_URL (postgresql:// or postgresql+asyncpg://). Exit codes: 0 ok, "
        "1 the migration failed or the database is unreachable, 2 usage error or unknown revision.",
    )
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument(
        "--upgrade", nargs="?", const="head", metavar="REV", help="upgrade to REV (default: head)"
    )
    action.add_argument("--downgrade", metavar="REV", help="downgrade to REV (e.g. -1 for one step back)")
    action.add_argument("--current", action="store_true", help="show the database's revision")
    action.add_argument("--history", action="store_true", help="list the migrations, marking the current one")
    return parser


def main() -> int:
    args = build_parser().parse_args()
    url = DbUrl.from_env() if os.environ.get("DATABASE_URL") or not args.history else None
    with warnings.catch_warnings():  # imported only now: --help and usage errors answer at once
        warnings.simplefilter("ignore")
        from alembic import command
        from alembic.util import CommandError
        from sqlalchemy.exc import SQLAlchemyError

    config = alembic_config(url)
    if url is None:  # --history without a database: the migrations alone
        command.history(config)
        return EXIT_OK
    try:
        if args.current:
            print(f"database: {url.display}")
            command.current(config)
        elif args.history:
            command.history(config, indicate_current=True)
        else:
            upgrade = bool(args.upgrade)
            revision = args.upgrade if upgrade else args.downgrade
            _check_revision(config, revision)
            print(f"{'upgrading' if upgrade else 'downgrading'} {url.display} to {revision}")
            _show_progress()
            (command.upgrade if upgrade else command.downgrade)(config, revision)
            command.current(config)
    except CommandError as exc:
        text = str(exc)
        code = EXIT_USAGE if "revision" in text.lower() and "locate" in text.lower() else EXIT_FAILED
        print(f"error: {text}", file=sys.stderr)
        return code
    except SystemExit as exc:  # migrations/env.py exits when it has no URL
        raise OpsError(str(exc.code)) from exc
    except (OSError, SQLAlchemyError) as exc:
        raise OpsError(f"migration failed on {url.display}: {str(exc).splitlines()[0]}") from exc
    return EXIT_OK


if __name__ == "__main__":
    run_main(main)
