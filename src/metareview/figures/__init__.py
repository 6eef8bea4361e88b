"""Journal-ready figures: forest, funnel, risk-of-bias and PRISMA 2020 flow diagrams.

matplotlib is imported lazily, inside the plotting functions.
"""
