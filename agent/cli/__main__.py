"""`python -m agent.cli` runs the CLI (as the `retest` console script does)."""

from agent.cli import main

main()
