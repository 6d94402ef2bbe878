"""Configuration: ``hotspotkaart.toml`` read once into typed, checked settings.

``settings`` holds the dataclasses (their defaults are the only defaults) and the parser;
``_values`` the checked TOML values (keys, texts, numbers, paths, CRSs) the tables share.
"""
