"""The roof of NKRU-FR: the dataset build, the benchmark and the ``nkru`` command.

It wires the middle (:mod:`nkru.annotation`, :mod:`nkru.eval`, :mod:`nkru.baselines`) on the
floor (:mod:`nkru.schema`, :mod:`nkru.tasks`, :mod:`nkru.corpus`, :mod:`nkru.records`);
nothing below imports it.
"""
