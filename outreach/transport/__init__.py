"""Adapters that talk to mail servers. They never import the store."""
