"""Services, one package per capability; `pyproject.toml` says which may use which and why."""
