"""Enrollment status: where one influencer stands in one campaign's sequence.

The column is `enrollment.status` (String(16), server default 'active'); these are every value
the code writes or reads. Stage (prospect, negotiating, ...) is a separate column.
"""

from __future__ import annotations

from enum import StrEnum


class EnrollmentStatus(StrEnum):
    # due steps are planned when next_due_at passes; the schema's default for a new row
    ACTIVE = "active"
    # held: an auto-reply (resumes at next_due_at), a campaign paused, or by hand; nothing is
    # planned until it is resumed
    PAUSED = "paused"
    # ended before the last step: a reply, opt-out, bounce, suppression, archive or by hand
    STOPPED = "stopped"
    # every step was sent; next_step is past the sequence's last step
    COMPLETED = "completed"
    # a step's message could not be composed for this influencer (stop_reason says why); not
    # retried each tick; `outreach enroll CAMPAIGN --retry` makes it active again
    ERROR = "error"


LIVE = frozenset({EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED})
"""Statuses a stop condition still applies to (a reply, opt-out or archive stops them)."""

ENDED = frozenset({EnrollmentStatus.STOPPED, EnrollmentStatus.COMPLETED})
"""Statuses after which no outbox row of the enrollment may be sent."""

HALTED = frozenset({EnrollmentStatus.STOPPED, EnrollmentStatus.ERROR, EnrollmentStatus.PAUSED})
"""Statuses `outreach schedule` lists as not going on (stopped, errored or paused)."""
