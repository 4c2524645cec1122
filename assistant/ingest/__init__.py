"""Ingest: files -> Documents (loaders) -> Chunks (chunking) -> embedded and stored (pipeline)."""
