"""The app layer of NKRU-FR: the dataset build, the benchmark, corpus intake and the ``nkru``
command.

It wires the middle (:mod:`nkru.annotation`, :mod:`nkru.eval`, :mod:`nkru.baselines`) on the
core (:mod:`nkru.schema`, :mod:`nkru.tasks`, :mod:`nkru.corpus`, :mod:`nkru.records`);
nothing below imports it.
"""
