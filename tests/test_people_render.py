"""Who a message is addressed to (`to = self | agency | self_cc_agency`) and what it says:
the greeting addresses whoever is in To (「サクラ事務所 ご担当 鈴木様」 with the talent named in
the body), the manager is in Cc with `self_cc_agency`, and a talent with no address of their
own goes to the agency whatever the rule. Rendered from the workspace's own templates."""

from __future__ import annotations

import shutil
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from outreach.domain.people import SendTo, default_send_to, recipients, resolve_send_to
from outreach.render.compose import Composer
from tests.support.render import NOW, make_campaign, make_config, make_influencer

ROOT = Path(__file__).resolve().parent.parent


def _composer(tmp_path: Path) -> Composer:
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    return Composer(make_config(tmp_path))


def _talent(**kw: object) -> object:
    fields: dict[str, object] = dict(
        name="髙橋 梨沙",
        email="risa@example.jp",
        manager_email="suzuki@sakura-pro.example.jp",
        agency="サクラ事務所",
        custom={"manager": "鈴木"},
    )
    fields.update(kw)
    return make_influencer(**fields)


def _render(
    tmp_path: Path,
    person: object,
    *,
    to: str = "",
    send_to: str = "",
    step: int = 1,
    template: str = "pitch",
) -> object:
    composer = _composer(tmp_path)
    campaign = make_campaign(to=to)
    return composer.compose(
        campaign, person, step=step, total_steps=3, template=template, now=NOW, send_to=send_to
    )


def _headers(raw: bytes) -> object:
    return BytesParser(policy=policy.default).parsebytes(raw)


def test_to_agency_greets_the_manager_and_names_the_talent(tmp_path: Path) -> None:
    msg = _render(tmp_path, _talent(), to="agency")
    m = _headers(msg.raw)
    assert [a.addr_spec for a in m["To"].addresses] == ["suzuki@sakura-pro.example.jp"]
    assert m["Cc"] is None
    assert msg.text.splitlines()[0] == "サクラ事務所 ご担当 鈴木様"
    assert "サクラ事務所所属の髙橋 梨沙様について、ご相談がございます。" in msg.text
    assert "髙橋 梨沙 様" not in msg.text
    assert msg.rcpt_to == ["suzuki@sakura-pro.example.jp"]
    assert msg.to_address == "suzuki@sakura-pro.example.jp"


def test_to_agency_without_a_manager_name(tmp_path: Path) -> None:
    msg = _render(tmp_path, _talent(custom={}), to="agency")
    assert msg.text.splitlines()[0] == "サクラ事務所 ご担当者様"


def test_self_cc_agency_puts_the_manager_in_cc(tmp_path: Path) -> None:
    msg = _render(tmp_path, _talent(), to="self_cc_agency")
    m = _headers(msg.raw)
    assert [a.addr_spec for a in m["To"].addresses] == ["risa@example.jp"]
    assert [a.addr_spec for a in m["Cc"].addresses] == ["suzuki@sakura-pro.example.jp"]
    assert msg.rcpt_to == ["risa@example.jp", "suzuki@sakura-pro.example.jp"]
    assert msg.text.splitlines()[0] == "髙橋 梨沙 様"
    assert "ご相談がございます" not in msg.text


def test_an_agency_only_talent_goes_to_the_agency_and_the_enrolment_rule_wins(
    tmp_path: Path,
) -> None:
    only = _render(tmp_path / "a", _talent(email=""), to="self")
    assert only.rcpt_to == ["suzuki@sakura-pro.example.jp"]
    assert only.text.splitlines()[0] == "サクラ事務所 ご担当 鈴木様"
    per_person = _render(tmp_path / "b", _talent(), to="agency", send_to="self")
    assert per_person.rcpt_to == ["risa@example.jp"]
    roster_default = _render(tmp_path / "c", _talent(send_to="agency"))
    assert roster_default.rcpt_to == ["suzuki@sakura-pro.example.jp"]


def test_english_greeting_to_an_agency(tmp_path: Path) -> None:
    msg = _render(
        tmp_path,
        _talent(name="Emily Carter", language="en", agency="Bright Talent", custom={}),
        to="agency",
    )
    assert msg.text.splitlines()[0] == "Hi Bright Talent team,"
    assert "I'm writing about Emily Carter (@hanako_beauty), whom Bright Talent represents." in (
        msg.text
    )
    assert "Their post " in msg.text and "would suit their " in msg.text
    own = _render(tmp_path / "own", _talent(name="Emily Carter", language="en"), to="self")
    assert "Your post " in own.text and "would suit your " in own.text


@pytest.mark.parametrize(
    "template,language,talent_line",
    [
        ("followup1", "ja", "先日お送りした髙橋 梨沙様への"),
        ("followup2", "ja", "髙橋 梨沙様への"),
        ("followup1", "en", "for Emily Carter (@hanako_beauty) back"),
        ("followup2", "en", "for Emily Carter (@hanako_beauty), so"),
    ],
)
def test_follow_ups_to_an_agency_greet_it_and_name_the_talent(
    tmp_path: Path, template: str, language: str, talent_line: str
) -> None:
    name = "髙橋 梨沙" if language == "ja" else "Emily Carter"
    person = _talent(name=name, language=language)
    to_agency = _render(tmp_path / "a", person, to="agency", step=2, template=template)
    greeting = "サクラ事務所 ご担当 鈴木様" if language == "ja" else "Hi 鈴木 at サクラ事務所,"
    assert to_agency.text.splitlines()[0] == greeting
    assert talent_line in to_agency.text
    to_self = _render(tmp_path / "b", person, to="self", step=2, template=template)
    assert talent_line not in to_self.text


@pytest.mark.parametrize(
    ("rule", "email", "manager", "stored", "expected"),
    [
        ("", "a@x.jp", "", "", SendTo.SELF),
        ("", "", "m@agency.jp", "", SendTo.AGENCY),
        ("", "a@x.jp", "m@agency.jp", "agency", SendTo.AGENCY),
        ("self", "", "m@agency.jp", "", SendTo.AGENCY),
        ("agency", "a@x.jp", "", "", SendTo.SELF),
        ("self_cc_agency", "", "m@agency.jp", "", SendTo.AGENCY),
        ("self_cc_agency", "a@x.jp", "m@agency.jp", "self", SendTo.SELF_CC_AGENCY),
    ],
)
def test_the_rule(rule: str, email: str, manager: str, stored: str, expected: SendTo) -> None:
    assert resolve_send_to(rule, email, manager, stored) is expected
    assert recipients(email, manager, expected).rule is expected
    assert default_send_to(email, manager) in (SendTo.SELF, SendTo.AGENCY)
