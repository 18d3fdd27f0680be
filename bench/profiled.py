"""``python -m bench.profiled OUT ARGS...``: ``python -m cli ARGS...`` under cProfile, stats to OUT.

uvicorn re-raises the SIGTERM it was stopped with after its shutdown, which would kill the process
before cProfile writes anything; here SIGTERM becomes a normal exit instead.
"""

from __future__ import annotations

import cProfile
import runpy
import signal
import sys


def _exit(*_: object) -> None:
    sys.exit(0)


def main() -> None:
    out, argv = sys.argv[1], sys.argv[2:]
    signal.signal(signal.SIGTERM, _exit)
    sys.argv = ["cli", *argv]
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        runpy.run_module("cli", run_name="__main__", alter_sys=True)
    except SystemExit:
        pass
    finally:
        profiler.disable()
        profiler.dump_stats(out)


if __name__ == "__main__":
    main()
