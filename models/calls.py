"""Calls (Πρόσκληση), Annex A, expressions of interest and the lottery (K-4…K-9)."""
