"""``python -m metareview`` runs the command line."""

from metareview.cli import main

main()
