"""`python -m etl` runs the command line."""

from etl.cli.app import main

main()
