"""The pitch rules; importing this package registers every rule in `registry.RULES`."""

from outreach.services.lint.rules import (  # noqa: F401  (imported to register)
    ad_script,
    compliance,
    content,
    deliverability,
    ja_business,
    length,
    stale_post,
    tone,
    value_first,
)
