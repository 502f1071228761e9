"""Sequences: the campaign and sequence files ops edit, enrolment, sending windows, the schedule,
and pausing and resuming."""
