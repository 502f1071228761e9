"""`outreach preview`: print (or write as .eml) the exact messages a campaign step would send."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import click

from outreach.cli.app import App
from outreach.clock import SystemClock


@click.command("preview")
@click.argument("campaign")
@click.option("--influencer", "handles", multiple=True, help="Only this handle (repeatable).")
@click.option(
    "--step",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Sequence step to show (later steps are threaded under the earlier ones).",
)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most N influencers.")
@click.option(
    "--variant",
    default=None,
    metavar="NAME|all",
    help="For a step with variants: show variant NAME to everybody, or `all` of them "
    "(default: each person's own variant).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "eml", "json"]),
    default="text",
    show_default=True,
    help="text: decoded headers and body; eml: the raw bytes; json: one object per line.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Also write <handle>-step<N>.eml files into this folder.",
)
@click.option(
    "--send-to",
    "send_to",
    default=None,
    metavar="ADDRESS",
    help="Send each --influencer's draft as a proof to ADDRESS only, through the "
    "campaign's mailbox: subject '[TEST] …', a fresh Message-ID, recorded as a proof "
    "(no contact, no cooldown).",
)
@click.pass_obj
def preview(
    app: App,
    campaign: str,
    handles: tuple[str, ...],
    step: int,
    limit: int | None,
    fmt: str,
    out_dir: str | None,
    send_to: str | None,
    variant: str | None,
) -> None:
    """Show the exact messages CAMPAIGN would send, one per influencer (same bytes as sending).
    A render error is reported with template, line and influencer; the others still render,
    and the command exits 1 at the end.

    \b
    Example:
      outreach preview spring-launch --limit 3
      outreach preview spring-launch --influencer hanako_beauty --step 2 --format eml
      outreach preview spring-launch --out previews/
      outreach preview spring-launch --limit 1 --variant all
      outreach preview spring-launch --influencer hanako_beauty --send-to me@example.jp
    """
    if send_to is not None:
        _send_proofs(app, campaign, handles, step, send_to)
        return
    from outreach.services.send.preview import describe, eml_name, readable
    from outreach.services.send.preview import preview as preview_messages

    out = Path(out_dir) if out_dir else None
    if out:
        out.mkdir(parents=True, exist_ok=True)
    failed = 0
    items = preview_messages(
        app.config,
        app.engine,
        campaign,
        now=SystemClock().now(),
        handles=handles or None,
        step=step,
        limit=limit,
        variant=variant,
    )
    for item in items:
        if item.error is not None:
            failed += 1
            click.echo(f"error: {describe(item.error)}", err=True)
            if fmt == "json":
                click.echo(
                    json.dumps(
                        {"handle": item.handle, "step": item.step, "error": describe(item.error)},
                        ensure_ascii=False,
                    )
                )
            continue
        msg = item.composed
        assert msg is not None
        if out:
            (out / eml_name(item)).write_bytes(msg.raw)
        if fmt == "eml":
            sys.stdout.flush()
            sys.stdout.buffer.write(msg.raw + b"\r\n")
            sys.stdout.buffer.flush()
        elif fmt == "json":
            click.echo(
                json.dumps(
                    {
                        "handle": item.handle,
                        "step": item.step,
                        "template": msg.template,
                        "variant": item.variant,
                        "language": msg.language,
                        "message_id": msg.message_id,
                        "subject": msg.subject,
                        "mail_from": msg.mail_from,
                        "rcpt_to": msg.rcpt_to,
                        "warnings": list(msg.warnings),
                        "text": msg.text,
                        "raw": msg.raw.decode("ascii"),
                        "lint": [str(f) for f in item.findings],
                    },
                    ensure_ascii=False,
                )
            )
        else:
            arm = f"variant {item.variant}, " if item.variant else ""
            click.echo(f"===== @{item.handle} (step {item.step}, {arm}{msg.template}) =====")
            click.echo(readable(msg))
            for finding in item.findings:
                click.echo(f"  lint: {finding}")
    if failed:
        click.echo(f"{failed} message(s) failed to render", err=True)
        sys.exit(1)


def _send_proofs(
    app: App, campaign: str, handles: tuple[str, ...], step: int, send_to: str
) -> None:
    """`--send-to`: each draft to the given address only, then what the server said."""
    from outreach.errors import InputError
    from outreach.services.send.preview import readable
    from outreach.services.send.proof import send_proofs

    if not handles:
        raise InputError(
            "a proof needs --influencer HANDLE",
            field="--send-to",
            hint="a proof is one influencer's draft, sent to you",
        )
    failed = 0
    for sent in send_proofs(
        app.config,
        app.engine,
        campaign,
        handles=handles,
        send_to=send_to,
        step=step,
        now=SystemClock().now(),
    ):
        click.echo(
            f"===== proof of @{sent.handle} (step {sent.step}, {sent.draft.template}) "
            f"to {sent.sent_to}, for {sent.original_to} ====="
        )
        click.echo(readable(replace(sent.draft, raw=sent.raw, rcpt_to=[sent.sent_to])))
        if sent.accepted:
            click.echo(f"sent {sent.message_id} to {sent.sent_to}; the server said: {sent.reply}")
        else:
            failed += 1
            click.echo(f"not sent to {sent.sent_to}; the server said: {sent.reply}", err=True)
    if failed:
        sys.exit(1)
