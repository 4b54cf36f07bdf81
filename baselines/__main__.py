"""``python -m nkru.baselines`` (see :mod:`nkru.baselines.cli`)."""

from nkru.baselines.cli import app

app()
