"""Adapter: Jinja2 templates in a bounded sandbox, and fast RFC 5322 message bytes.

Never imports `outreach.store`: it renders what services hand it.
"""
