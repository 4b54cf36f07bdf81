"""``python -m nkru.app.benchmark`` runs ``nkru benchmark``."""

from .cli import main

main()
