"""Statistics on the count tables: change tests, the grid, hot spots, zones, class breaks.

``areas`` compares the periods per buurt and wijk; ``grid`` lays the 100 m grid and analyses
it; ``hotspots`` is Getis-Ord Gi* with its classes; ``zones`` the figures per policy zone;
``classbreaks`` the classes of the count layers; ``testing`` runs the testing stage as one job.
"""
