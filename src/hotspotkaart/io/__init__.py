"""Reading and writing: every input enters here and every output leaves here.

Bytes become text (``decoding``), text becomes cells (``csvtext``), cells become values
(``parsing``); ``crs`` decides each input's CRS and brings it to RD New; ``vector`` is the one
reader of vector files (layer choice, CRS, reprojection); ``boundaries``, ``incidents`` and
``zones`` read the three kinds of input; ``ledger`` accounts for every record;
``export`` writes every output atomically.
"""
