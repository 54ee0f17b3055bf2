"""regassist: cited answers about 包府办发〔2024〕106号 and the national laws it rests on.

Importing the package is cheap; corpora and models load in explicit factories (`load_corpus`).
"""

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    """`assistant.Assistant` without importing the engine (and its models' libraries) at package import."""
    if name in ("Assistant", "Answer"):
        from . import answer

        return getattr(answer, name)
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
