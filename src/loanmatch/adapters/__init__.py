"""Adapters: files, grammars and storage that turn the outside world into domain objects."""
