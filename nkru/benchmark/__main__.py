"""``python -m nkru.benchmark`` runs ``nkru benchmark``."""

from nkru.benchmark.cli import main

main()
