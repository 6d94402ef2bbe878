"""Statistics on the count tables: change tests, the grid, hot spots, zones, class breaks.

``change`` is the one change test (percent change, p0 by days or by trend, exact binomial test,
FDR, class) that areas, zones and camera candidates use; ``areas`` makes the tables per buurt
and wijk; ``grid`` analyses the 100 m grid; ``hotspots`` is Getis-Ord Gi* with its classes;
``zones`` the figures per policy zone; ``classbreaks`` the classes of the count layers;
``testing`` runs the testing stage as one job.
"""
