"""Templates edited by ops cannot escape the sandbox, exhaust the machine or hide the failing line."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest

from outreach.errors import InputError, RenderError
from outreach.render.compose import Composer
from outreach.render.templates import TemplateSet
from tests.support.render import NOW, make_campaign, make_config, make_influencer, write_templates

HEAD = '---\nsubject = "Hello"\nlanguage = "en"\n---\n'  # body starts on line 5


def render_body(tmp_path: Path, body: str, **ctx: object) -> str:
    folder = tmp_path / "templates"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "t.j2").write_text(HEAD + "line five\n" + body + "\n", encoding="utf-8")
    return TemplateSet(folder).load("t.j2").render(dict(ctx), handle="hanako").text


ESCAPES = [
    "{{ ''.__class__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ 'a'|attr('format') }}",
    "{{ ('a'|attr('format'))('{0.__class__}', 1) }}",
    "{{ '{0.__class__}'.format(1) }}",
    "{{ 'x'.format_map(d) }}",
    "{{ ''|attr('__class__') }}",
    "{{ range.__globals__ }}",
    "{{ d.update(x=1) }}",
]


@pytest.mark.parametrize("body", ESCAPES)
def test_python_internals_are_unreachable(tmp_path: Path, body: str) -> None:
    with pytest.raises(RenderError) as err:
        render_body(tmp_path, body, d={"k": 1})
    assert err.value.template == "templates/t.j2"
    assert err.value.line == 6
    assert err.value.handle == "hanako"
    assert "unsafe" in err.value.message or "undefined" in err.value.message


@pytest.mark.parametrize("target", ["../config.toml", "/etc/passwd", "sub/../../x.j2"])
def test_includes_stay_inside_templates(tmp_path: Path, target: str) -> None:
    (tmp_path / "config.toml").write_text("secret = 1\n")
    with pytest.raises(RenderError) as err:
        render_body(tmp_path, "{% include '" + target + "' %}")
    assert err.value.line == 6
    assert "secret" not in str(err.value)


BOMBS = [
    ("{{ 'x' * 10**9 }}", "exceeds"),
    ("{{ 10**(10**10) }}", "too large"),
    ("{{ [1, 2] * 10**9 }}", "exceeds"),
    ("{{ 'x'.ljust(10**9) }}", "width"),
    ("{{ 'x'|center(10**9) }}", "width"),
    ("{{ ('x\\n' * 30000)|indent('y' * 60000) }}", "indent"),
    ("{{ 'x'|indent(10**9) }}", "indent"),
    ("{{ '%999999999s'|format('x') }}", "width"),
    ("{{ '%999999999s' % 'x' }}", "width"),
    ("{{ ('x' * 60000).replace('', 'yy') }}", "replace"),
    ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", "budget"),
    ("{{ range(10**9)|list }}", "exceeds"),
    ("{% macro d(s) %}{{ d(s ~ s) }}{% endmacro %}{{ d('x') }}", "exceed"),
    (
        "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}"
        "{% endfor %}{{ ns.s }}",
        "exceed",
    ),
    ("{% for i in range(99999) %}0123456789{% endfor %}", "output exceeds"),
    ("{% macro r() %}{{ r() }}{% endmacro %}{{ r() }}", "too deep"),
]


@pytest.mark.parametrize(("body", "message"), BOMBS)
def test_resource_bombs_fail_fast_with_a_clear_error(
    tmp_path: Path, body: str, message: str
) -> None:
    # CPU time of this process: the bound is on the work done, which other processes sharing the
    # machine (the suite's parallel workers) cannot stretch as they stretch wall-clock time.
    start = time.process_time()
    with pytest.raises(RenderError) as err:
        render_body(tmp_path, body)
    assert time.process_time() - start < 2.0
    assert message in err.value.message
    assert err.value.handle == "hanako"


def test_left_associative_power_is_a_small_number(tmp_path: Path) -> None:
    # Jinja2 parses 10**10**10 as (10**10)**10 = 10**100: harmless, rendered at once.
    assert render_body(tmp_path, "{{ 10**10**10 }}").splitlines()[1] == "1" + "0" * 100


def test_missing_variable_names_template_line_and_influencer(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "pitch.ja.j2").write_text(
        '---\nsubject = "x"\nlanguage = "ja"\n---\n1\n2\n{{ influencer.nickname }}\n',
        encoding="utf-8",
    )
    with pytest.raises(RenderError) as err:
        TemplateSet(folder).resolve("pitch", "ja").render({"influencer": {}}, handle="hanako")
    assert str(err.value).startswith("templates/pitch.ja.j2:7: ")
    assert "'nickname'" in str(err.value)
    assert str(err.value).endswith("(influencer @hanako)")


def test_error_in_subject_and_in_include_name_their_own_lines(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "p.j2").write_text(
        '---\nlanguage = "en"\nsubject = "Hi {{ nope }}"\n---\nbody\n', encoding="utf-8"
    )
    (folder / "q.j2").write_text(
        '---\nlanguage = "en"\nsubject = "Hi"\n---\nbody\n{% include "_f.j2" %}\n', encoding="utf-8"
    )
    (folder / "_f.j2").write_text("ok\nok\n{{ missing }}\n", encoding="utf-8")
    templates = TemplateSet(folder)
    with pytest.raises(RenderError) as err:
        templates.load("p.j2").render({}, handle="h")
    assert (err.value.template, err.value.line) == ("templates/p.j2", 3)
    with pytest.raises(RenderError) as err:
        templates.load("q.j2").render({}, handle="h")
    assert (err.value.template, err.value.line) == ("templates/_f.j2", 3)


def test_syntax_error_names_the_file_line(tmp_path: Path) -> None:
    with pytest.raises(RenderError) as err:
        render_body(tmp_path, "{{ 1 }")
    assert (err.value.template, err.value.line) == ("templates/t.j2", 6)


@pytest.mark.parametrize(
    ("front", "field", "line"),
    [
        ('subject = "x"\nlanguage = "ja"\nfrom = "x"\n', "from", 4),
        ('subject = "x"\nlanguage = "fr"\n', "language", 3),
        ('subject = "x"\nlanguage = "ja"\ncharset = "shift_jis"\n', "charset", 4),
        ('language = "ja"\n', "subject", 1),
        ('subject = 3\nlanguage = "ja"\n', "subject", 2),
    ],
)
def test_front_matter_errors_name_file_line_and_key(
    tmp_path: Path, front: str, field: str, line: int
) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "t.j2").write_text("---\n" + front + "---\nbody\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        TemplateSet(folder).load("t.j2")
    assert (err.value.file, err.value.field, err.value.line) == ("templates/t.j2", field, line)


def test_language_variant_is_preferred_then_generic(tmp_path: Path) -> None:
    folder = write_templates(tmp_path / "templates")
    templates = TemplateSet(folder)
    assert templates.resolve("pitch", "ja").name == "templates/pitch.ja.j2"
    assert templates.resolve("followup1", "en").name == "templates/followup1.j2"
    assert templates.resolve("pitch", "ja") is templates.resolve("pitch", "ja")  # compiled once
    with pytest.raises(InputError):
        templates.resolve("nothing", "ja")


def test_one_bad_influencer_does_not_stop_the_others(tmp_path: Path) -> None:
    folder = write_templates(tmp_path / "templates")
    (folder / "bomb.j2").write_text(
        '---\nsubject = "Hi"\nlanguage = "en"\n---\n{{ influencer.custom.code * 10**8 }}\n',
        encoding="utf-8",
    )
    composer = Composer(make_config(tmp_path))
    people = [
        make_influencer(handle="a", custom={"code": "x"}),
        make_influencer(handle="b", custom={"code": 2}),
        make_influencer(handle="c", custom={}),
    ]
    results: dict[str, str] = {}
    for person in people:
        try:
            composer.compose(
                make_campaign(), person, step=1, total_steps=1, template="bomb", now=NOW
            )
            results[person.handle] = "ok"
        except RenderError as exc:
            results[person.handle] = f"{exc.line}:{exc.handle}"
    assert results == {"a": "5:a", "b": "ok", "c": "5:c"}


def test_no_secret_is_reachable_from_the_context(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OUTREACH_UNSUBSCRIBE_SECRET", "s3cr3t-key!-at-least-32-bytes-long")
    monkeypatch.setenv("OUTREACH_SMTP_PASSWORD", "s3cr3t!")
    write_templates(tmp_path / "templates")
    composer = Composer(make_config(tmp_path))
    ctx = composer.context(
        make_campaign(),
        make_influencer(),
        language="ja",
        step=1,
        total_steps=1,
        unsubscribe=composer.unsubscribe_links(
            make_campaign(), make_influencer(), composer.config.mailbox("main")
        ),
    )
    seen: list[object] = []

    def walk(node: object) -> None:
        seen.append(node)
        if isinstance(node, dict):
            for k, v in node.items():
                walk(k)
                walk(v)
        elif isinstance(node, list | tuple):
            for v in node:
                walk(v)

    walk(ctx)
    texts = [str(v) for v in seen]
    assert not any("s3cr3t" in t for t in texts)
    assert not any(t == "hanako@example.com" for t in texts)  # email is not exposed
    assert all(
        isinstance(v, str | int | float | bool | dict | list | type(None))
        or v.__class__.__module__ == "datetime"
        for v in seen
    )


def test_resource_bombs_stay_within_100_mb(tmp_path: Path) -> None:
    tracemalloc.start()
    try:
        for i, (body, _) in enumerate(BOMBS):
            with pytest.raises(RenderError):
                render_body(tmp_path / str(i), body)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 100 * 1024 * 1024


@pytest.mark.parametrize(
    "name", ["label", "items", "keys", "__class__", "_private", "missing", "update", "get"]
)
def test_dict_lookups_answer_as_jinja2s_sandbox_does(name: str) -> None:
    """`x.name` on a plain dict skips Jinja2's attribute-first probe (speed), with the same
    answer: a dict method is still the method, a key the item, anything else undefined."""
    from jinja2 import BaseLoader, StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    from outreach.render.sandbox import BoundedSandbox

    ours = BoundedSandbox(BaseLoader(), max_output=1000, max_iterations=1000, filters={})
    stock = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
    data = {"label": "冬の夜", "items": "an item", "__class__": "k", "_private": "p", "get": "g"}

    def lookup(env: ImmutableSandboxedEnvironment) -> object:
        value = env.getattr(data, name)
        return (
            ("undefined", str(value._undefined_name))
            if isinstance(value, StrictUndefined)
            else value
        )

    assert lookup(ours) == lookup(stock)
