"""The web console's own capability: console users (argon2id), sessions, the audit log of
console actions, notes on a person, and the person page's read model. The console's actions
themselves are the other capabilities' service functions, the ones the CLI calls."""
