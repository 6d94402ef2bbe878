"""The interactive maps (EPSG:4326 only here), as offline single-file HTML pages.

``data`` is what every map shares; ``layers`` the data of one layer; ``elements`` and
``controls`` the custom map elements (folium plugin shape); ``overview`` the city and wijk maps;
``pages`` the comparison and the index; ``fieldmap`` the phone map; ``offline`` inlines the assets.
"""
