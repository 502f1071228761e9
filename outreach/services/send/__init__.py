"""Sending: plan due steps into outbox rows, dispatch them over SMTP, and the views of what will
go out (preview, proof, rehearse, preflight, outbox status)."""
