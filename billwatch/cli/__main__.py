"""`python -m billwatch.cli`: the same as the `billwatch` command."""

from billwatch.cli import main

main()
