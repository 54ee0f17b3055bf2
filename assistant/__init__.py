"""regassist: cited answers about 包府办发〔2024〕106号 and the national laws it rests on.

Importing the package is cheap; corpora and models load in explicit factories (`load_corpus`).
"""

__version__ = "0.1.0"
