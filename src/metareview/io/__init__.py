"""Readers for files produced by other meta-analysis software (RevMan 5, RevMan Web)."""
