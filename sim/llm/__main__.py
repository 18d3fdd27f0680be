import sys

from sim.llm.cli import main

raise SystemExit(main(sys.argv[1:]))
