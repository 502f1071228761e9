"""Named queries, one module per area. Each docstring states side effects and locks."""
