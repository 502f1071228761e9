"""The workspace itself: create one from the samples, and `doctor` (DNS, TLS, rates) for its
mailboxes."""
