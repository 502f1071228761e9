"""Pure rules and value types: no I/O, no SQLAlchemy, Jinja2 or aiosmtplib."""
