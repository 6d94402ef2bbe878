"""The engine: meldingen joined to areas and zones and counted, in memory or with dask.

``join`` assigns each melding to its buurt, wijk and the zones valid on its date; ``counting``
adds meldingen up per area, period and category; ``tables`` makes the count tables the
statistics need, in memory or per chunk and partition on dask.
"""
