"""Services: each owns one job (roster, preview, sequence, dispatch, inbox, pipeline, lint, report)."""
