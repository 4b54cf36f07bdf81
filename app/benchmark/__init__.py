"""``nkru benchmark``: every baseline, reference and user system on every task.

:mod:`.pipeline` (the one pipeline every entry point runs), :mod:`.systems` (what it runs:
baselines, references and ``--system`` plugins), :mod:`.leaderboard`, :mod:`.report` and
:mod:`.plots` (what it writes), :mod:`.troops` (the troop numbers of the report), :mod:`.cli`
(the command).
"""
