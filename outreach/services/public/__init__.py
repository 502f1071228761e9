"""The public HTTP endpoint: one-click unsubscribe (RFC 8058) and tracked-link redirects.
Never the same listener as anything the team uses."""
