"""Stage 5: the PlayGenie continuation VAE (model.py, train.py, generate.py).

``Continuer.load(settings, catalog)`` gives the facade the agent calls to add tracks to a playlist.
"""

from tools.continuation.generate import ContinuationResult, Continuer

__all__ = ["ContinuationResult", "Continuer"]
