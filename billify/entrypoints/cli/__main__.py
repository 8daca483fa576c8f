"""``python -m billify.entrypoints.cli``."""

from billify.entrypoints.cli import main

main()
