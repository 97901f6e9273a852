"""loanmatch: match small and micro enterprises with the loan products they will very probably get.

The public surface is small on purpose; everything else lives in subpackages named for what they
hold (``domain``, ``adapters``, ``simulator``, ``model``, ``services``, ``cli``, ``web``).
"""

from loanmatch.errors import InputError, LoanMatchError, ModelError

__all__ = ["InputError", "LoanMatchError", "ModelError", "__version__"]

__version__ = "0.1.0"
