"""The project's error family: every error raised for a reason the user can act on (bad input,
a missing extra, a server that does not answer) derives from :class:`NkruError`; the ``nkru``
command prints its message and exits with its ``exit_code`` in one place (``nkru.app.cli``)."""

from __future__ import annotations


class NkruError(Exception):
    """An error with a message for the user; ``exit_code`` 2 is bad input, 1 a failure."""

    exit_code = 2


class MissingExtra(NkruError):
    """An optional dependency is not installed: the message names the extra that brings it."""

    def __init__(self, module: str, extra: str) -> None:
        self.module, self.extra = module, extra
        super().__init__(
            f"{module} is not installed: this command needs `pip install 'nkru[{extra}]'` "
            "(`pip install nkru` alone gives nkru eval and nkru compare)"
        )
