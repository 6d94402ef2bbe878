"""The engine: meldingen joined to areas and zones and counted, in memory or with dask.

``join`` assigns each melding to its buurt, wijk and the zones valid on its date; ``counting``
adds meldingen up per area, period and category, ``grid`` per 100 m cell and ``zonecounts`` per
zone and day; ``tables`` holds the count tables the statistics need, which ``partitioned`` (the
dask engine) makes per chunk and partition and adds up.
"""
