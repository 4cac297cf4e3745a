"""Allow ``python -m regio``."""

from regio.cli import main

main()
