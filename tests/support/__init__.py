"""Shared test helpers. Test modules import from here and never from one another; conftest.py
holds only fixtures (`sqlite_db`, `pg_url`, `pg_db`, and `backend` / `engine` / `db`, which run a
test once on SQLite and once on PostgreSQL).

- workspace: the one workspace builder, `build_workspace` (config.toml, templates, sequences,
  campaigns, a migrated store) returning a `Workspace`; `config_from` (a Config from tables);
  the sample texts CONFIG_TOML, STANDARD, SPRING, CAMPAIGN; `campaign_workspace`.
- db: `sqlite_engine` (a migrated SQLite file), PG_ADMIN_URL, `pg_available`, `require_pg`.
- net: `free_port` on 127.0.0.1.
- smtp: the scriptable aiosmtpd server (`ScriptedHandler`, `Script`, the `smtp_server` fixture),
  the SMTP tests' config (`make_config`, `config_data`, `toml_text`), `seed_outbox`,
  `with_bytes`, `outbox_states`, T0.
- dispatch: `run_pass` (one dispatch pass through real SMTP), `claim_and_reap` (a pass's claim
  and the SQL it sent), `row` (an outbox row with its bytes).
- sequence: the sequence tests' workspace (`make_workspace`, `main_mailbox`), `add_influencer`,
  `enrolled` / `two_enrolled`, plan and send passes (`plan_at`, `send_at`, `tick`), the times
  ENROLLED and TUE_0905 (TUE_0905_UTC).
- render: the render tests' templates (`write_templates`), Config (`make_config`,
  `config_data`), `make_campaign`, `make_influencer`, NOW.
- inbox: the inbox tests' Config (`make_config`) and workspace on disk (`write_workspace`),
  `enrol` (an enrolment with a sent pitch and a queued follow-up), T0.
- imap: a real IMAP server (pymap) in a subprocess (`running_imap`, `ImapServer`,
  `implicit_tls`), its user, and `imap_settings` (the inbox table for it).
- dovecot: a real Dovecot IMAP server (`running_dovecot`) for SPECIAL-USE folders (RFC 6154).
- oauth: an OAuth2 authorization server on 127.0.0.1 (`TokenServer`, `running_token_server`),
  and SMTP and IMAP servers that accept only its tokens (`OAuthSmtpHandler`,
  `OAuthImapServer`, which starts pymap through pymap_oauth.py).
- daemon: `python -m outreach` as a subprocess (`outreach`, `Daemon`), its config
  (`write_config`), `wait_until`.
- unsubscribe: the endpoint's signing KEY, ONE_CLICK, `request` (HTTP to it), `state` (what an
  unsubscribe may change).
- report_seed: a small campaign written row by row (`seed`) whose funnel, KPIs and work queue
  the report and todo tests work out by hand.
- console: the web console's workspace (`console_workspace`, from `outreach init`'s sample),
  `make_console` and `serving` (a real listener on 127.0.0.1).
- browser: headless Chromium through Playwright (`chromium_page`, `artifact_dir`).
- mail_corpus: the classified mail fixtures in tests/data/mail and their expectations.
- corpus_effects: seeding the store for the mail corpus and checking each message's effect.
- reply_corpus: the labelled reply-intent corpus and its scoring.
"""
