"""The classifier on real third-party mail (tests/data/corpus/inbound, Sisimai's BSD-licensed
set): the accuracy targets, and one test per way a real bounce or complaint is easy to misread.

`pytest -s tests/test_inbound_corpus.py` prints the figures; `python bench/inbound_accuracy.py
FOLDER` prints the same table for any folder with an expected.jsonl.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from bench.inbound_accuracy import DEFAULT_DIR, TARGETS, run, table, unmet
from outreach.cli import cli
from outreach.inbound import parse_and_classify
from outreach.inbound.bounce_reasons import (
    PHRASES,
    REASONS,
    RECIPIENT_PERMANENT,
    SENDER_SIDE,
    SENDER_SIDE_HINT,
    STATUS_REASONS,
    best_status,
    verdict,
)
from outreach.inbound.bounce_text import valid_address
from outreach.inbound.model import Bounce

CORPUS = DEFAULT_DIR


def _bounce_of(raw: bytes) -> Bounce:
    """The bounce a raw message classifies as (failing with the reasons when it is none)."""
    found = parse_and_classify(raw)
    assert found.kind == "bounce" and found.bounce is not None, found.reasons
    return found.bounce


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def test_corpus_meets_every_target() -> None:
    scores = run(CORPUS)
    print("\n" + table(scores))
    assert scores.files == 644 and not scores.crashes
    assert unmet(scores) == [], table(scores)
    assert set(TARGETS) <= {*scores.ratios, "crashes"}


def test_the_corpus_keeps_its_licence_and_readme() -> None:
    assert "BSD 2-CLAUSE" in (CORPUS / "LICENSE-set-of-emails").read_text()
    assert "expected.jsonl" in (CORPUS / "README.md").read_text()
    files = {p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*.eml")}
    assert len(files) == 644


# The reason tables are data; every entry must name a reason of the vocabulary and compile.


def test_phrase_and_status_tables_use_only_the_vocabulary() -> None:
    assert set(PHRASES) <= REASONS and set(STATUS_REASONS.values()) <= REASONS
    assert set(SENDER_SIDE_HINT) == SENDER_SIDE and not SENDER_SIDE & RECIPIENT_PERMANENT
    for reason, patterns in PHRASES.items():
        for pattern in patterns:
            re.compile(pattern)
            assert pattern == pattern.lower() or "\\" in pattern, (reason, pattern)


def _dsn(
    block: str,
    *,
    text: str = "See below.",
    status_type: str = "message/delivery-status",
    original: str = "To: taro@example.jp\nMessage-ID: <m1@brand.example>\n",
) -> bytes:
    return (
        "Return-Path: <>\nFrom: MAILER-DAEMON@mx.brand.example\nTo: hello@brand.example\n"
        "Subject: Undelivered Mail Returned to Sender\nAuto-Submitted: auto-replied\n"
        'MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary="b"'
        f"\n\n--b\nContent-Type: text/plain\n\n{text}\n"
        f"--b\nContent-Type: {status_type}\n\nReporting-MTA: dns; mx.brand.example\n\n{block}\n"
        f"--b\nContent-Type: text/rfc822-headers\n\n{original}\n--b--\n"
    ).encode()


def test_a_diagnostics_specific_code_beats_a_generic_status() -> None:
    found = parse_and_classify(
        _dsn(
            "Final-Recipient: rfc822; taro@example.jp\nAction: failed\nStatus: 5.0.0\n"
            "Diagnostic-Code: smtp; 550 5.1.1 <taro@example.jp>: Recipient address rejected: "
            "User unknown in local recipient table\n"
        )
    )
    assert found.bounce is not None
    assert (found.bounce.status, found.bounce.reason, found.bounce.permanent) == (
        "5.1.1",
        "userunknown",
        True,
    )
    assert best_status("5.0.0", "550 5.1.1 user unknown") == "5.1.1"
    assert best_status("5.2.2", "550 5.1.1 whatever") == "5.2.2"
    assert best_status("", "550 no such user") == "5.0.0"
    # A 2.x.x in a failure's words is a version or a date; a success keeps its own.
    assert best_status("", "MSEXCH 2.0.12 Unknown Recipient", "failed") == "5.0.0"
    assert best_status("2.0.0", "250 2.0.0 OK", "delivered") == "2.0.0"


@pytest.mark.parametrize(
    ("status", "diagnostic", "reason"),
    [
        (
            "5.7.26",
            "550-5.7.26 Unauthenticated email from brand.example is not accepted due to "
            "domain's DMARC policy",
            "authfailure",
        ),
        (
            "5.7.1",
            "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org",
            "blocked",
        ),
        ("5.7.1", "550 5.7.1 Message rejected due to local policy", "policyviolation"),
        ("5.7.1", "550 5.7.1 Message content rejected, UBE, id=1", "spamdetected"),
        ("5.1.8", "553 5.1.8 Domain of sender address does not exist", "rejected"),
        (
            "5.7.25",
            "550 5.7.25 The IP address sending this message does not have a PTR record",
            "requireptr",
        ),
        ("5.7.1", "554 5.7.1 <x@example.jp>: Relay access denied", "norelaying"),
    ],
)
def test_sender_side_rejections_never_suppress_the_recipient(
    status: str, diagnostic: str, reason: str
) -> None:
    found = parse_and_classify(
        _dsn(
            f"Final-Recipient: rfc822; taro@example.jp\nAction: failed\nStatus: {status}\n"
            f"Diagnostic-Code: smtp; {diagnostic}\n"
        )
    )
    assert found.kind == "bounce" and found.bounce is not None
    assert (found.bounce.reason, found.bounce.sender_side, found.bounce.permanent) == (
        reason,
        True,
        False,
    ), found.reasons
    assert any(SENDER_SIDE_HINT[reason] in r for r in found.reasons)


def test_cli_text_names_the_reason_and_the_side() -> None:
    result = CliRunner().invoke(
        cli,
        ["inbox", "classify", str(CORPUS / "sisimai-bsd/lhost-postfix-70.eml")],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].endswith(
        ": bounce 5.7.26 kijitora@google.example.com temporary authfailure sender-side"
    )
    assert "SPF/DKIM/DMARC" in result.output


@pytest.mark.parametrize(
    ("status", "diagnostic", "reason"),
    [
        ("5.2.2", "552 5.2.2 Mailbox full", "mailboxfull"),
        ("5.0.0", "552 Requested mail action aborted: exceeded storage allocation", "mailboxfull"),
        ("4.4.7", "", "expired"),
        ("5.3.4", "552 5.3.4 Message too big for system", "mesgtoobig"),
    ],
)
def test_transient_failures_do_not_suppress(status: str, diagnostic: str, reason: str) -> None:
    found = parse_and_classify(
        _dsn(
            f"Final-Recipient: rfc822; taro@example.jp\nAction: failed\nStatus: {status}\n"
            + (f"Diagnostic-Code: smtp; {diagnostic}\n" if diagnostic else "")
        )
    )
    assert found.bounce is not None
    assert (found.bounce.reason, found.bounce.permanent, found.bounce.sender_side) == (
        reason,
        False,
        False,
    )


def test_user_unknown_said_after_data_is_filtered_and_still_suppressed() -> None:
    found = parse_and_classify(
        _dsn(
            "Final-Recipient: rfc822; taro@example.jp\nAction: failed\nStatus: 5.0.0\n"
            "Diagnostic-Code: smtp; 550 User unknown (in reply to end of DATA command)\n"
        )
    )
    assert found.bounce is not None
    assert (found.bounce.reason, found.bounce.permanent) == ("filtered", True)


def test_action_failed_with_a_comment_is_failed() -> None:
    found = parse_and_classify(
        _dsn(
            "Final-Recipient: rfc822; taro@example.jp\n"
            "Action: failed (bad destination mailbox address)\nStatus: 5.1.1\n"
        )
    )
    assert found.bounce is not None and found.bounce.permanent


def test_a_status_part_labelled_text_delivery_status_is_still_a_bounce() -> None:
    found = parse_and_classify(
        _dsn(
            "Final-Recipient: rfc822; taro@example.jp\nAction: failed\nStatus: 5.1.1\n",
            status_type="text/delivery-status",
        )
    )
    assert found.kind == "bounce" and found.bounce is not None
    assert found.bounce.recipient == "taro@example.jp"
    assert any("text/delivery-status" in r for r in found.reasons)


@pytest.mark.parametrize(
    "final",
    [
        "rfc822; |/usr/local/bin/procmail taro@example.jp",  # Exim pipe command
        "rfc822; /var/spool/mail/taro",  # a file path
        "rfc822; @relay.example.jp:taro@server",  # source route to a bare host
        "x400; /C=JP/ADMD=/PRMD=EXAMPLE/O=EXAMPLE/S=TARO/",
    ],
)
def test_a_recipient_that_is_not_an_address_falls_back_to_the_original_to(final: str) -> None:
    found = parse_and_classify(_dsn(f"Final-Recipient: {final}\nAction: failed\nStatus: 5.1.1\n"))
    assert found.bounce is not None and found.bounce.recipient == "taro@example.jp"


def test_without_any_valid_recipient_the_bounce_is_matched_by_message_id() -> None:
    found = parse_and_classify(
        _dsn(
            "Final-Recipient: rfc822; |/usr/bin/procmail\nAction: failed\nStatus: 5.1.1\n",
            original="To: a@example.jp, b@example.jp\nMessage-ID: <m1@brand.example>\n",
        )
    )
    assert found.kind == "bounce" and found.bounce is not None
    assert (found.bounce.recipient, found.original_message_id) == ("", "<m1@brand.example>")


def test_a_quoted_message_id_is_never_the_recipient() -> None:
    """Zoho writes `Message-ID:<token@host>` in the text next to the failed address."""
    found = parse_and_classify(corpus("sisimai-bsd/lhost-zoho-01.eml"))
    assert found.bounce is not None
    assert (found.bounce.recipient, found.bounce.status, found.bounce.reason) == (
        "kijitora@example.co.jp",
        "5.1.1",
        "userunknown",
    )


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("taro@example.jp", True),
        ("nyaan%gol.com@q002.kijitora.gol.com", True),
        ('"neko..nyaan"@example.org', True),
        ("taro@server", False),
        ("|/usr/bin/procmail@example.jp", False),
        ("/var/mail/taro", False),
        ("@relay.example.jp:taro@example.jp", False),
        ("a" * 65 + "@example.jp", False),
        ("taro..x@example.jp", False),
    ],
)
def test_valid_address(value: str, ok: bool) -> None:
    assert valid_address(value) is ok


# Text bounces without a delivery-status part: without a reader for each format, each would be
# taken for a human reply.


@pytest.mark.parametrize(
    ("name", "recipient", "reason", "permanent"),
    [
        (
            "sisimai-bsd/lhost-dragonfly-01.eml",
            "pseudo-local-part@google.example.com",
            "authfailure",
            False,
        ),
        (
            "sisimai-bsd/lhost-opensmtpd-01.eml",
            "apdugoaidugoaidugoaeiudggadi@gmail.com",
            "userunknown",
            True,
        ),
        ("sisimai-bsd/lhost-v5sendmail-01.eml", "kijitora@example.com", "expired", False),
        ("sisimai-bsd/lhost-amazonworkmail-04.eml", "chatoraneko@example.jp", "mailboxfull", False),
        ("sisimai-bsd/lhost-notes-02.eml", "kijitora@u1.example.co.jp", "userunknown", True),
        ("sisimai-bsd/lhost-mfilter-02.eml", "kijitora@example.co.jp", "userunknown", True),
        (
            "sisimai-bsd/lhost-kddi-01.eml",
            "kijitora@x0000000000000.dion.ne.jp",
            "mailboxfull",
            False,
        ),
        ("sisimai-bsd/lhost-x6-02.eml", "kijitora@libsisimai.org", "userunknown", True),
        (
            "sisimai-bsd/lhost-exim-60.eml",
            "nyaan%gol.com@q002.kijitora.gol.com",
            "mailboxfull",
            False,
        ),
    ],
)
def test_text_bounces_are_bounces(name: str, recipient: str, reason: str, permanent: bool) -> None:
    found = parse_and_classify(corpus(name))
    assert found.kind == "bounce" and found.bounce is not None, found.reasons
    assert (found.bounce.recipient, found.bounce.reason, found.bounce.permanent) == (
        recipient,
        reason,
        permanent,
    ), found.reasons


def test_an_old_style_returned_mail_notice_names_the_intended_recipient() -> None:
    raw = (
        b"Return-Path: <>\nFrom: MAILER-DAEMON@mail.example.net\nTo: hello@brand.example\n"
        b"Subject: Processing Error\nPrecedence: bulk\nContent-Type: text/plain\n\n"
        b"Intended recipient: 'ken@example.net'\n\nThe following mail has been returned "
        b"because it encountered an error\nwhile being processed.\n\n"
        b"--------RETURNED MAIL FOLLOWS--------\nReceived: from mx.brand.example\n"
        b"From: hello@brand.example\nTo: ken@example.net\nSubject: Hello\n"
        b"Message-ID: <m9@brand.example>\n\nHi\n"
    )
    found = parse_and_classify(raw)
    assert found.kind == "bounce" and found.bounce is not None, found.reasons
    assert (found.bounce.recipient, found.original_message_id) == (
        "ken@example.net",
        "<m9@brand.example>",
    )


def test_japanese_carrier_error_notice_from_no_reply_is_a_bounce() -> None:
    raw = (
        "From: no-reply@x0000.dion.ne.jp\nTo: hello@brand.example\n"
        "Subject: =?ISO-2022-JP?B?GyRCJWEhPCVrJSglaSE8RExDThsoQg==?=\n"
        "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n"
        "送信先のメールアドレスが見つかりませんでした。\n\n"
        "     Could not be delivered to: <hana@ezweb.ne.jp>\n     As their mailbox is full.\n"
    ).encode()
    bounce = _bounce_of(raw)
    assert (bounce.recipient, bounce.reason, bounce.permanent) == (
        "hana@ezweb.ne.jp",
        "mailboxfull",
        False,
    )


def test_a_vacation_reply_with_a_null_sender_and_an_address_stays_automatic() -> None:
    raw = (
        b"Return-Path: <>\nFrom: Hana <hana@example.jp>\nTo: hello@brand.example\n"
        b"Subject: Out of office\nAuto-Submitted: auto-replied\n"
        b"Content-Type: text/plain; charset=utf-8\n\n"
        b"I am out of the office until 12/10 and unable to deliver a reply before then.\n"
        b"For urgent matters contact assistant@example.jp.\n"
    )
    found = parse_and_classify(raw)
    assert found.kind == "auto_reply" and found.bounce is None, found.reasons


def test_a_success_dsn_is_never_a_bounce() -> None:
    found = parse_and_classify(
        _dsn("Final-Recipient: rfc822; taro@example.jp\nAction: delivered\nStatus: 2.0.0\n")
    )
    assert found.kind == "auto_reply" and found.bounce is None


# Complaints and unsubscribe requests come before the automatic-mail check.


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("sisimai-bsd/arf-24.eml", "complaint"),  # Hotmail JMRP: no feedback-report part
        ("sisimai-bsd/arf-12.eml", "opt_out"),  # ARF Feedback-Type: opt-out
        ("sisimai-bsd/arf-26.eml", "opt_out"),  # Apple Mail's request, Auto-Submitted
        ("sisimai-bsd/lhost-amazonses-11.eml", "complaint"),  # SES notification by mail
        ("sisimai-bsd/arf-01.eml", "complaint"),
    ],
)
def test_complaints_and_unsubscribe_requests(name: str, kind: str) -> None:
    found = parse_and_classify(corpus(name))
    assert found.kind == kind, found.reasons


def test_a_person_forwarding_our_mail_as_a_spam_report_is_not_a_complaint() -> None:
    raw = (
        b"From: Aya <aya@example.jp>\nTo: hello@brand.example\nSubject: Fwd: spam report\n"
        b'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="f"\n\n'
        b"--f\nContent-Type: text/plain; charset=utf-8\n\nIs this really from you?\n"
        b"--f\nContent-Type: message/rfc822\n\nFrom: hello@brand.example\nTo: aya@example.jp\n"
        b"Subject: Hello\nMessage-ID: <m2@brand.example>\n\nHi\n--f--\n"
    )
    assert parse_and_classify(raw).kind == "reply"


def test_jmrp_complaint_names_the_complaining_recipient() -> None:
    found = parse_and_classify(corpus("sisimai-bsd/arf-24.eml"))
    assert found.original_recipient == "kijitora@example.com"


@pytest.mark.parametrize(
    "body",
    [
        b"\n" * 200_000,
        b" " * 500_000 + b"\n",
        b"a@b.c " * 50_000,
        b"<" * 200_000,
        b"Final-Recipient: rfc822; x\n" * 20_000,
        b"550 5.1.1 " * 50_000,
    ],
    ids=["newlines", "spaces", "addresses", "brackets", "fields", "codes"],
)
def test_hostile_bounce_bodies_are_classified_quickly(body: bytes) -> None:
    head = (
        b"Return-Path: <>\nFrom: MAILER-DAEMON@mx.example\nSubject: Undelivered Mail\n"
        b"Content-Type: text/plain; charset=utf-8\n\n"
    )
    # CPU time of this process: the bound is on the work done, which other processes sharing the
    # machine (the suite's parallel workers) cannot stretch as they stretch wall-clock time.
    started = time.process_time()
    parse_and_classify(head + body)
    assert time.process_time() - started < 3.0


def test_verdict_of_a_4xx_final_failure() -> None:
    """A 4xx user unknown with Action failed is final; a 4xx DNS failure is not."""
    assert verdict("4.1.1", "450 4.1.1 user unknown", "failed").permanent
    assert not verdict("4.4.3", "Host or domain name not found", "failed").permanent
    assert not verdict("5.1.1", "550 5.1.1 user unknown", "delayed").permanent


def test_bench_script_runs_on_a_folder(tmp_path: Path) -> None:
    (tmp_path / "x.eml").write_bytes(corpus("sisimai-bsd/lhost-postfix-01.eml"))
    (tmp_path / "expected.jsonl").write_text(
        '{"file": "x.eml", "expect_kind": "bounce", "facts": [{"recipient": '
        '"kijitora@example.org", "status": "5.1.1", "reason": "mailererror", '
        '"perm_expected": null, "sender_side": false}]}\n'
    )
    scores = run(tmp_path)
    assert scores.files == 1 and scores.ratio("bounce recall").hit == 1


# Causes found on Sisimai samples the phrase tables had never seen (sisimai-more/).


@pytest.mark.parametrize(
    ("name", "recipient", "reason", "permanent", "sender_side"),
    [
        # The second recipient's "Mailbox Full" is not the first one's diagnostic.
        ("sisimai-more/lhost-gmx-03.eml", "mikeneko@example.co.jp", "userunknown", True, False),
        # Postfix's "Recipient address rejected:" prefix; the words after it decide.
        (
            "sisimai-more/lhost-dragonfly-19.eml",
            "securityerror@libsisimai.net",
            "securityerror",
            False,
            True,
        ),
        ("sisimai-more/lhost-exim-30.eml", "kijitora@exmaple.ch", "userunknown", True, False),
        # Amazon SES wraps the remote's 550 5.7.1 in its own 5.1.0.
        ("sisimai-more/lhost-amazonses-01.eml", "shironeko@example.co.jp", "blocked", False, True),
        # An SPF failure worded as "per its SPF Record" under a 5.1.0.
        ("sisimai-more/lhost-office365-03.eml", "kijitora@example.com", "authfailure", False, True),
        # Orange's 5.2.0 "Mail rejected" (spam): x.2.0 alone is no dead address.
        (
            "sisimai-more/rhost-franceptt-03.eml",
            "pseudo-local-part-kijitora@wanadoo.fr",
            "filtered",
            False,
            False,
        ),
        (
            "sisimai-more/lhost-dragonfly-04.eml",
            "postmaster@cx.libsisimai.org",
            "hostunknown",
            True,
            False,
        ),
        # NXDOMAIN under a temporary status: the network's trouble for now.
        ("sisimai-more/rfc3464-53.eml", "sironeko@example.jp", "networkerror", False, False),
        # A raw SNS envelope: the SES notification is a JSON string inside it.
        (
            "sisimai-more/lhost-amazonses-10.eml",
            "bounce@simulator.amazonses.com",
            "userunknown",
            True,
            False,
        ),
    ],
)
def test_causes_found_on_unseen_samples(
    name: str, recipient: str, reason: str, permanent: bool, sender_side: bool
) -> None:
    found = parse_and_classify(corpus(name))
    assert found.kind == "bounce" and found.bounce is not None, found.reasons
    b = found.bounce
    assert (b.recipient, b.reason, b.permanent, b.sender_side) == (
        recipient,
        reason,
        permanent,
        sender_side,
    ), found.reasons


def test_a_postfix_address_verification_report_is_not_a_bounce() -> None:
    found = parse_and_classify(corpus("sisimai-more/rfc3464-28.eml"))
    assert found.kind != "bounce", found.reasons


def test_an_exim_malformed_address_notice_is_a_bounce_not_an_automatic_reply() -> None:
    found = parse_and_classify(corpus("sisimai-more/lhost-exim-52.eml"))
    assert found.kind == "bounce" and found.bounce is not None, found.reasons
    assert found.bounce.reason == "syntaxerror" and not found.bounce.permanent


# Wordings from another public bounce collection (Mail::DeliveryStatus::BounceParser's test
# corpus, not copied here), as the remote servers wrote them.


@pytest.mark.parametrize(
    ("status", "diagnostic", "action", "reason", "permanent"),
    [
        (
            "5.0.0",
            "smtp; 550 ** No mail box available for this user **",
            "failed",
            "userunknown",
            True,
        ),
        (
            "5.0.0",
            "smtp; 550 BAD_RECIPIENT - see http://mail.example.ac.uk/",
            "failed",
            "userunknown",
            True,
        ),
        (
            "5.0.0",
            "smtp; x@example.net is not an active address at this host",
            "failed",
            "userunknown",
            True,
        ),
        ("5.0.0", "smtp; 542 kijitora@example.com Rejected", "failed", "userunknown", True),
        (
            "5.0.0",
            "smtp; 550 Spamming not allowed (in reply to end of DATA command)",
            "failed",
            "spamdetected",
            False,
        ),
        (
            "5.0.0",
            "smtp; 550 Message refused by MailMarshal SpamProfiler",
            "failed",
            "spamdetected",
            False,
        ),
        (
            "5.4.4",
            "X-Postfix; Name service error for name=example.org type=MX: Malformed or unexpected "
            "name server reply",
            "failed",
            "networkerror",
            False,
        ),
        (
            "5.4.4",
            "X-Outbound-Mail-Relay; Name service error for name=example.org type=MX: Malformed or "
            "unexpected name server reply",
            "failed",
            "notaccept",
            True,
        ),
        # From the bounce_email gem's Latvian samples (2007-2009).
        (
            "5.2.3",
            "X-Postfix; maildir delivery failed: Sorry, the user's maildir has overdrawn his "
            "diskspace quota, please try again later.",
            "failed",
            "mailboxfull",
            False,
        ),
        ("5.2.3", "smtp; 552 5.2.3 Message too large", "failed", "exceedlimit", False),
        (
            "5.7.17",
            "smtp; 550 sorry, no mailbox here by that name. (#5.7.17)",
            "failed",
            "userunknown",
            True,
        ),
        (
            "5.7.1",
            "550 5.7.1 Your message was blocked by ROTA DNSBL. If you are not a spammer, open "
            "the link to delist",
            "failed",
            "blocked",
            False,
        ),
        ("5.0.0", 'unrouteable mail domain "example.net"', "failed", "networkerror", False),
        (
            "5.0.0",
            "X-Notes; Recipient user name info (info@example.com) not unique.  Several matches "
            "found in Domino Directory.",
            "failed",
            "systemerror",
            False,
        ),
        ("5.0.0", "Connection was dropped by remote host (SENT_HELO)", "failed", "blocked", False),
    ],
)
def test_wordings_from_another_collection(
    status: str, diagnostic: str, action: str, reason: str, permanent: bool
) -> None:
    v = verdict(status, diagnostic, action)
    assert (v.reason, v.permanent) == (reason, permanent), v.why


def test_a_status_naming_a_dead_address_is_not_overruled_by_a_footer() -> None:
    # MessageLabs appends "scanned for all viruses" to the notice of a plain 5.1.1.
    v = verdict(
        "5.1.1",
        "",
        "failed",
        "delivery to the following recipients failed. this email "
        "has been scanned for all viruses by messagelabs",
    )
    assert (v.reason, v.permanent) == ("userunknown", True), v.why


def test_a_daemon_notice_with_no_readable_address_is_still_a_bounce() -> None:
    raw = (
        b'Return-Path: <>\nFrom: "Postmaster" <postmaster@mail.example.net>\n'
        b"To: <bounces@hanamilabs.jp>\nSubject: Undeliverable Mail\nContent-Type: text/plain\n\n"
        b"User mailbox exceeds allowed size: someone@host\n\n\nOriginal message follows.\n\n"
        b"From: hana@hanamilabs.jp\nSubject: Sakura Night Serum\n\nHi! To unsubscribe, reply STOP.\n"
    )
    bounce = _bounce_of(raw)
    assert bounce.reason == "mailboxfull" and not bounce.permanent


# Shapes from GNU Mailman's bounce samples (flufl.bounce's test data, not copied here).


def test_digits_inside_an_address_are_no_reply_code() -> None:
    assert best_status("", "Sorry your message to tsa412@yahoo.com cannot be delivered.") == "5.0.0"


def test_a_chinese_mailer_daemon_notice_is_a_bounce() -> None:
    raw = (
        "Return-Path: <>\nFrom: MAILER-DAEMON@sina.example\nTo: hello@brand.example\n"
        "Subject: 邮件传输失败！\nContent-Type: text/plain; charset=utf-8\n\n"
        "邮件无法发送到您指定的地址中。\n\n<boboman76@sina.example>:\n\n"
        "--- 附件中的内容是原信件的一份拷贝\n"
    ).encode()
    bounce = _bounce_of(raw)
    assert bounce.recipient == "boboman76@sina.example"


def test_a_mailbox_full_warning_from_a_malformed_postmaster_address_is_a_bounce() -> None:
    raw = (
        b"From: <Postmaster\\@xxx.example@xxx.example>\nTo: <list-bounces@brand.example>\n"
        b"Subject: Mail Delivery Warning\nContent-Type: text/plain\n\n"
        b'This is an advisory-only email.\n\nDelivery of email to this address\n\n"calvin@xxx.example"'
        b"\n\nhas been postponed due to a full mailbox.\n"
    )
    bounce = _bounce_of(raw)
    assert (bounce.recipient, bounce.reason, bounce.permanent) == (
        "calvin@xxx.example",
        "mailboxfull",
        False,
    )


def test_a_sender_copied_on_its_own_mail_is_not_taken_for_the_failed_recipient() -> None:
    # Mail::DeliveryStatus::BounceParser's sendmail-host-unknown sample, shortened: the failed
    # address is unreadable, and the original was Cc'd to its own sender.
    raw = (
        b"From: Mail Delivery Subsystem <MAILER-DAEMON@relay.example.com>\n"
        b"To: <bounces@example.com>\nSubject: Returned mail: see transcript for details\n"
        b"MIME-Version: 1.0\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n'
        b"--b\n\n   ----- The following addresses had permanent fatal errors -----\n"
        b"<recipient@#example.net>\n    (reason: 550 Host unknown)\n\n"
        b"--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; relay.example.com\n\n"
        b"Final-Recipient: RFC822; recipient@#example.net\nAction: failed\nStatus: 5.1.2\n"
        b"Diagnostic-Code: SMTP; 550 Host unknown\n\n"
        b"--b\nContent-Type: message/rfc822\n\n"
        b"Message-Id: <q1@example.com>\nFrom: sender@example.com\nTo: recipient@#example.net\n"
        b"CC: sender@example.com\nSubject: Invitation for quote\n\nPlain text here.\n--b--\n"
    )
    bounce = _bounce_of(raw)
    assert bounce.recipient == "" and bounce.reason == "hostunknown"
