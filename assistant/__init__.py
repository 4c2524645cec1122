"""A self-hosted, air-gapped question-answering assistant over your own documents."""

from assistant import offline as _offline

_offline.enforce()

__version__ = "0.1.0"
