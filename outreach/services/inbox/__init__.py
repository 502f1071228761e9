"""Inbound mail: read mailboxes (IMAP, Maildir, files), decide who sent what and whether to trust
it, classify it, and apply the effect (stop the sequence, suppress, move the stage)."""
