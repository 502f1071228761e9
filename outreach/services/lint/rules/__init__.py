"""The pitch rules; importing this package registers every rule in `registry.RULES`."""

from outreach.services.lint.rules import (  # noqa: F401  (imported to register)
    ad_script,
    compliance,
    content,
    deliverability,
    followup_subject,
    ja_business,
    length,
    mixed_script,
    placeholder,
    stale_post,
    tone,
    value_first,
)
