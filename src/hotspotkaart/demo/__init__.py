"""The synthetic demonstration layers, calibrated to Dordrecht's evaluation figures."""
