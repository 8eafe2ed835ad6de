"""Leverage: the Seven Leadership Leverage Points as working software."""

from leverage.core.about import CITATION, __version__

__all__ = ["CITATION", "__version__"]
