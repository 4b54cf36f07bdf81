"""The publishable Hugging Face dataset: ``nkru build`` and ``nkru publish``.

:mod:`.build` (ground truth -> ``data/<config>/<split>.parquet`` and the card), :mod:`.card`,
:mod:`.features` (``datasets`` features of the task declarations), :mod:`.ground_truth` (the
committed Label Studio exports), :mod:`.publish` (upload to the Hub), :mod:`.cli`.
"""
