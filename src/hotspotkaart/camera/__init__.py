"""Camera-area assessment (art. 151c Gemeentewet).

``inputs`` reads the candidate areas and extra point layers; ``assess`` computes the figures
per candidate and suggests candidates; ``report`` writes its maps, table and printable report;
``run`` is the whole flow, which the ``camera`` command calls.
"""
