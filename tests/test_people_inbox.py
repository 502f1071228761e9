"""Talents of one agency through real servers (aiosmtpd captures what the daemon sends,
replies are read from a real IMAP server): a talent with no address of her own is pitched at
her agency, greeted as 「サクラプロ ご担当 鈴木様」 with the talent named in the body; an
agency reply about two of its talents stops both and moves both; the agency's later mail
still attaches once the talent has replied; and an address the agency gives for a talent is
hers: her mail from it attaches to her enrolment; and the agency's "please stop contacting
our talents" stops every talent it manages and suppresses its domain for the mailbox it wrote
to (a talent added later at that domain is not enrolled from it; other mailboxes may write)."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest
from sqlalchemy import select

from outreach.clock import FixedClock
from outreach.config import load_config
from outreach.daemon.run import AppContext, run_daemon
from outreach.demo.config import write_demo_config
from outreach.services.roster.importer import ImportOptions, import_influencers, import_posts
from outreach.services.sequence.enroll import EnrollFilters, enroll
from outreach.services.workspace.create import create_workspace
from outreach.store.queries.suppression import is_suppressed
from outreach.store.schema import contact, enrollment, inbound, influencer
from outreach.store.session import make_engine, reading
from outreach.transport.sink import CaptureSink
from outreach.transport.smtp import SmtpTransport
from tests.support.imap import PASSWORD_ENV, USER, running_imap

TUESDAY_10_JST = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
AGENCY = "pr@sakura-pro.example.jp"
ROSTER = (
    "name,email,platform,handle,followers,manager_email,事務所,担当者,language,timezone,basis\n"
    f"髙橋 梨沙,,instagram,risa_style,52000,{AGENCY},サクラプロ,鈴木,ja,Asia/Tokyo,consent\n"
    f"山本 彩,,instagram,aya_y,30000,{AGENCY},サクラプロ,鈴木,ja,Asia/Tokyo,consent\n"
    f"木村 蓮,ren@example.jp,tiktok,ren_k,90000,{AGENCY},サクラプロ,鈴木,ja,Asia/Tokyo,consent\n"
    f"森 芽衣,,instagram,mei_m,20000,{AGENCY},サクラプロ,鈴木,ja,Asia/Tokyo,consent\n"
)
POSTS = (
    "influencer,platform,url,title,published_at,likes,comments\n"
    "risa_style,instagram,https://instagram.com/p/risa1,冬の夜のスキンケア,2026-11-20,500,20\n"
    "aya_y,instagram,https://instagram.com/p/aya1,乾燥肌の朝ルーティン,2026-11-19,300,10\n"
    "ren_k,tiktok,https://tiktok.com/@ren_k/video/1,メンズ保湿ルーティン,2026-11-18,900,40\n"
    "mei_m,instagram,https://instagram.com/p/mei1,夜の保湿ケア,2026-11-17,200,8\n"
)


def imap_inbox(config_path: Path, port: int) -> None:
    text = config_path.read_text(encoding="utf-8")
    text, n = re.subn(
        r'^source = "maildir".*\npath = "inbox".*$',
        f'source = "imap"\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
        f'username = "{USER}"\npassword_env = "{PASSWORD_ENV}"\nfolder = "INBOX"',
        text,
        flags=re.MULTILINE,
    )
    assert n == 1
    config_path.write_text(text, encoding="utf-8")


def sent(maildir: Path) -> list[EmailMessage]:
    parser = BytesParser(policy=policy.default)
    return [
        parser.parsebytes(p.read_bytes())  # type: ignore[misc]
        for p in sorted((maildir / "new").iterdir(), key=lambda p: p.stat().st_mtime_ns)
    ]


def mail(sender: str, to: str, body: str, at: datetime, *, reply_to: str = "") -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = "Re: ご相談"
    msg["Date"] = format_datetime(at)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    if reply_to:
        msg["In-Reply-To"] = reply_to
        msg["References"] = reply_to
    msg.set_content(body + "\n")
    return msg.as_bytes()


def stages(engine) -> dict[str, tuple[str, str]]:  # type: ignore[no-untyped-def]
    with reading(engine) as conn:
        return {
            r.handle: (r.stage, r.status)
            for r in conn.execute(
                select(influencer.c.handle, enrollment.c.stage, enrollment.c.status).join(
                    influencer, influencer.c.id == enrollment.c.influencer_id
                )
            )
        }


@pytest.mark.slow
def test_agency_talents_through_smtp_and_imap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = tmp_path / "ws"
    create_workspace(workspace)
    (workspace / "roster" / "agency.csv").write_text(ROSTER, encoding="utf-8")
    (workspace / "roster" / "agency_posts.csv").write_text(POSTS, encoding="utf-8")
    with running_imap(tmp_path, monkeypatch) as imap, CaptureSink(tmp_path / "sent") as sink:
        config_path = write_demo_config(workspace, smtp_port=sink.port)
        imap_inbox(config_path, imap.port)
        config = load_config(config_path)
        engine = make_engine(config.database_url)
        clock = FixedClock(TUESDAY_10_JST)
        people = import_influencers(
            engine,
            workspace / "roster" / "agency.csv",
            config=config,
            clock=clock,
            options=ImportOptions(),
        )
        assert (people.inserted, people.rejected) == (4, 0)
        import_posts(
            engine,
            workspace / "roster" / "agency_posts.csv",
            config=config,
            options=ImportOptions(),
        )
        report = enroll(
            engine,
            config,
            "spring-serum",
            EnrollFilters(handles=("risa_style", "aya_y", "ren_k", "mei_m")),
            dry_run=False,
            now=clock.now(),
        )
        assert len(report.enrolled) == 4

        def daemon_pass() -> None:
            ctx = AppContext(config, engine, clock, SmtpTransport(config.mailboxes))
            assert asyncio.run(run_daemon(ctx, once=True)) == 0

        daemon_pass()
        pitches = sent(sink.maildir)
        assert len(pitches) == 4
        to_agency = [m for m in pitches if m["To"].addresses[0].addr_spec == AGENCY]
        assert len(to_agency) == 3
        bodies = {m.get_body(("plain",)).get_content().splitlines()[0] for m in to_agency}  # type: ignore[union-attr]
        assert bodies == {"サクラプロ ご担当 鈴木様"}
        risa = next(
            m
            for m in to_agency
            if "髙橋 梨沙様について" in m.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        )
        assert "サクラプロ所属の髙橋 梨沙様について、ご相談がございます。" in (
            risa.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        )
        ren = next(m for m in pitches if m["To"].addresses[0].addr_spec == "ren@example.jp")
        assert ren.get_body(("plain",)).get_content().splitlines()[0] == "木村 蓮 様"  # type: ignore[union-attr]

        # The agency answers in 髙橋's thread about 髙橋 and 山本: both stop and move.
        imap.append(
            [
                mail(
                    AGENCY,
                    risa["From"].addresses[0].addr_spec,
                    "お世話になっております。サクラプロの鈴木です。\n"
                    "髙橋梨沙と山本 彩、ともに前向きに検討したく、"
                    "詳しい条件を教えていただけますか。",
                    clock.now(),
                    reply_to=risa["Message-ID"],
                )
            ]
        )
        clock.advance(timedelta(seconds=30))
        daemon_pass()
        assert stages(engine) == {
            "risa_style": ("negotiating", "stopped"),
            "aya_y": ("negotiating", "stopped"),
            "ren_k": ("contacted", "active"),
            "mei_m": ("contacted", "active"),
        }

        # The agency writes again about 木村 (not in any thread) with his own work address;
        # then 木村 writes from it: both attach to his enrolment, nothing is unmatched.
        imap.append(
            [
                mail(
                    AGENCY,
                    risa["From"].addresses[0].addr_spec,
                    "木村蓮の件は、今後は本人の仕事用アドレス "
                    "ren.work@example.jp までご連絡ください。",
                    clock.now(),
                )
            ]
        )
        daemon_pass()
        imap.append(
            [
                mail(
                    "ren.work@example.jp",
                    risa["From"].addresses[0].addr_spec,
                    "木村です。ぜひ詳しくお話を伺いたいです。",
                    clock.now(),
                )
            ]
        )
        daemon_pass()
        with reading(engine) as conn:
            rows = conn.execute(
                select(inbound.c.from_addr, influencer.c.handle, inbound.c.effect)
                .outerjoin(enrollment, enrollment.c.id == inbound.c.enrollment_id)
                .outerjoin(influencer, influencer.c.id == enrollment.c.influencer_id)
                .order_by(inbound.c.id)
            ).all()
            contacts = conn.execute(
                select(contact.c.address_norm, contact.c.role)
                .join(influencer, influencer.c.id == contact.c.influencer_id)
                .where(influencer.c.handle == "ren_k")
                .order_by(contact.c.address_norm)
            ).all()
        assert [(r.from_addr, r.handle) for r in rows] == [
            (AGENCY, "risa_style"),
            (AGENCY, "ren_k"),
            ("ren.work@example.jp", "ren_k"),
        ], [r.effect for r in rows]
        assert "@aya_y (spring-serum): reply: sequence stopped" in rows[0].effect
        assert ("ren.work@example.jp", "self") in [tuple(c) for c in contacts]
        assert stages(engine)["ren_k"] == ("negotiating", "stopped")

        # Two people at the agency's domain it does not manage on our roster: 小林 is enrolled
        # now (and not mailed: the agency's stop below comes first), 佐藤 after the stop.
        (workspace / "roster" / "later.csv").write_text(
            ROSTER.splitlines()[0]
            + "\n小林 結衣,yui@sakura-pro.example.jp,instagram,yui_k,40000,,,,ja,Asia/Tokyo,"
            "consent\n佐藤 佳奈,kana@sakura-pro.example.jp,instagram,kana_s,41000,,,,ja,"
            "Asia/Tokyo,consent\n",
            encoding="utf-8",
        )
        later = import_influencers(
            engine,
            workspace / "roster" / "later.csv",
            config=config,
            clock=clock,
            options=ImportOptions(),
        )
        assert (later.inserted, later.rejected) == (2, 0)
        (workspace / "roster" / "later_posts.csv").write_text(
            POSTS.splitlines()[0]
            + "\nyui_k,instagram,https://instagram.com/p/yui1,冬のボディケア,2026-11-16,100,5\n"
            "kana_s,instagram,https://instagram.com/p/kana1,冬のヘアケア,2026-11-16,100,5\n",
            encoding="utf-8",
        )
        import_posts(
            engine,
            workspace / "roster" / "later_posts.csv",
            config=config,
            options=ImportOptions(),
        )
        report = enroll(
            engine,
            config,
            "spring-serum",
            EnrollFilters(handles=("yui_k",)),
            dry_run=False,
            now=clock.now(),
        )
        assert len(report.enrolled) == 1
        mailed = len(sent(sink.maildir))

        # The agency asks us to stop contacting its talents, naming none: 森 (still being
        # pitched) is stopped and unsubscribed, the agency's address suppressed.
        imap.append(
            [
                mail(
                    AGENCY,
                    risa["From"].addresses[0].addr_spec,
                    "今後、弊社所属タレントへのご連絡はご遠慮ください。配信停止をお願いいたします。",
                    clock.now(),
                )
            ]
        )
        daemon_pass()
        assert stages(engine)["mei_m"] == ("unsubscribed", "stopped")
        # the planner, after the stop in the same pass, stops 小林 instead of pitching her
        assert stages(engine)["yui_k"][1] == "stopped"
        assert len(sent(sink.maildir)) == mailed
        box = next(iter(config.mailboxes))
        with reading(engine) as conn:
            # the agency's domain, for the mailbox it wrote to: known and new addresses there
            assert is_suppressed(conn, AGENCY, mailbox=box)
            assert is_suppressed(conn, "new.talent@sakura-pro.example.jp", mailbox=box)
            assert not is_suppressed(conn, AGENCY, mailbox="another-brand")
            assert not is_suppressed(conn, AGENCY)
            assert not is_suppressed(conn, "ren.work@example.jp", mailbox=box)
            last = conn.execute(select(inbound.c.effect).order_by(inbound.c.id.desc())).scalar()
        assert last.startswith(
            f"agency-wide opt-out: @sakura-pro.example.jp suppressed for mailbox {box}; "
            "4 talent(s) stopped"
        )

        report = enroll(
            engine,
            config,
            "spring-serum",
            EnrollFilters(handles=("kana_s",)),
            dry_run=False,
            now=clock.now(),
        )
        assert [(s.handle, s.reason) for s in report.skipped] == [
            ("kana_s", f"suppressed: its domain, for mailbox {box}")
        ]
        engine.dispose()
