"""The review folder: models, loading and validation, saving, RevMan interchange.

See ``docs/review-format.md``.
"""
