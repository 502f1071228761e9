"""Pitch templates: `templates/<name>[.<lang>].j2` with a TOML front matter, compiled once.

A template file starts with a front matter block between two `---` lines:

    ---
    subject = "{{ post.label }}を拝見しました"   # a Jinja2 template too
    language = "ja"                              # ja | en: which filter forms apply
    charset = "utf-8"                            # utf-8 | iso-2022-jp
    ---
    {{ influencer | honorific }}

The loader hands Jinja2 the file with the front matter replaced by a comment spanning the same
lines, so every line number Jinja2 reports is the file's own line number. An optional HTML
alternative lives next to it as `<name>[.<lang>].html.j2` (autoescaped). Includes resolve only
inside the templates folder.
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
from jinja2 import FileSystemLoader, TemplateNotFound, TemplateSyntaxError

from outreach.errors import InputError, RenderError
from outreach.render.filters import filters_for
from outreach.render.sandbox import BoundedSandbox, HardAlarm, HardLimit, ResourceLimit

LANGUAGES = ("ja", "en")
CHARSETS = ("utf-8", "iso-2022-jp")
_FRONT_KEYS = {"subject", "language", "charset"}
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*")
_SUBJECT_SUFFIX = "#subject"
DEFAULT_MAX_OUTPUT = 64 * 1024
DEFAULT_MAX_ITERATIONS = 100_000
MAX_SOURCE = 256 * 1024  # characters of one template file; a pitch is a few KiB
# Jinja2 and Python compile about 30 us per token of template code: 3,000 tokens (a pitch has
# about a hundred) compile in a tenth of a second; text between the tags costs next to nothing.
MAX_TOKENS = 3000


@dataclass(frozen=True)
class FrontMatter:
    subject: str
    language: str
    charset: str
    subject_line: int  # file line of `subject = ...`
    lines: int  # lines taken by the block, both `---` included (0 when there is none)


def _front_block(text: str) -> tuple[list[str], int] | None:
    """The TOML lines between the `---` fences and the fence count of lines, or None."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip("\r") != "---":
        return None
    for i in range(1, len(lines)):
        if lines[i].rstrip("\r") == "---":
            return lines[1:i], i + 1
    return None


def _key_line(toml_lines: list[str], key: str) -> int | None:
    pattern = re.compile(rf"\s*{re.escape(key)}\s*=")
    for i, line in enumerate(toml_lines):
        if pattern.match(line):
            return i + 2  # +1 for the opening fence, +1 for 1-based lines
    return None


def parse_front_matter(text: str, file: str) -> FrontMatter:
    """Read and check the front matter; errors name the file, line and key."""
    block = _front_block(text)
    if block is None:
        raise InputError(
            "missing front matter", file=file, line=1, hint="start with '---', subject = ..., '---'"
        )
    toml_lines, count = block
    try:
        data = tomllib.loads("\n".join(toml_lines))
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        raise InputError(
            f"front matter is not valid TOML: {exc}", file=file, line=(line + 1) if line else None
        ) from None
    for key in data:
        if key not in _FRONT_KEYS:
            raise InputError(
                "unknown front matter key",
                file=file,
                line=_key_line(toml_lines, key),
                field=key,
                hint=f"known: {', '.join(sorted(_FRONT_KEYS))}",
            )
    choices = {"language": LANGUAGES, "charset": CHARSETS}
    values: dict[str, str] = {}
    for key in ("subject", "language", "charset"):
        value = data.get(key, "utf-8" if key == "charset" else None)
        if not isinstance(value, str):
            raise InputError(
                "required string" if value is None else f"must be a string, got {value!r}",
                file=file,
                line=_key_line(toml_lines, key) or 1,
                field=key,
            )
        if key in choices and value not in choices[key]:
            raise InputError(
                f"must be one of {', '.join(choices[key])}, got {value!r}",
                file=file,
                line=_key_line(toml_lines, key),
                field=key,
            )
        values[key] = value
    return FrontMatter(
        subject=values["subject"],
        language=values["language"],
        charset=values["charset"],
        subject_line=_key_line(toml_lines, "subject") or 1,
        lines=count,
    )


def blank_front_matter(text: str) -> str:
    """The file with its front matter turned into a Jinja2 comment of the same height."""
    block = _front_block(text)
    if block is None:
        return text
    _, count = block
    rest = text.split("\n", count)[count] if text.count("\n") >= count else ""
    return "{#" + "\n" * (count - 1) + "#}\n" + rest


def _check_source_size(path: Path, name: str) -> None:
    """Refuse a template file too large to be a pitch before reading it (huge literals)."""
    size = path.stat().st_size
    if size > MAX_SOURCE * 4:  # UTF-8: up to 4 bytes a character; the exact count follows
        raise TemplateSyntaxError(
            f"template is {size} bytes; the limit is {MAX_SOURCE} characters", 1, name, str(path)
        )


class WorkspaceLoader(FileSystemLoader):
    """Loads only plain relative names under the templates folder; strips front matter."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Any]:
        if not _NAME.fullmatch(template) or ".." in template.split("/"):
            raise TemplateNotFound(template)
        for folder in self.searchpath:
            path = Path(folder) / template
            if path.is_file():
                _check_source_size(path, template)
                break
        source, filename, uptodate = super().get_source(environment, template)
        source = blank_front_matter(source)
        check_tokens(environment, source, template, filename)
        return source, filename, uptodate


def check_tokens(env: jinja2.Environment, source: str, name: str, filename: str | None) -> None:
    """Refuse template code too long to compile quickly (the lexer stops at the limit)."""
    count = 0
    for lineno, kind, _ in env.lexer.tokeniter(source, name, filename):
        if kind not in ("data", "whitespace"):
            count += 1
            if count > MAX_TOKENS:
                raise TemplateSyntaxError(
                    f"more than {MAX_TOKENS} tokens of template code; split the template",
                    lineno,
                    name,
                    filename,
                )


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str | None


class PitchTemplate:
    """One compiled template: subject, text body and optional HTML alternative."""

    content_hash = ""  # sha256 of the file's text as compiled: which version an outbox row used

    def __init__(
        self,
        env: BoundedSandbox,
        file: str,
        display: str,
        front: FrontMatter,
        html_file: str | None,
    ) -> None:
        self.env = env
        self.file = file
        self.name = display  # e.g. "templates/pitch.ja.j2": what errors print
        self.language = front.language
        self.charset = front.charset
        self.subject_line = front.subject_line
        self._display_dir = display[: -len(file)]
        try:
            self._body = env.get_template(file)
            self._html = env.get_template(html_file) if html_file else None
            filename = f"{self._body.filename}{_SUBJECT_SUFFIX}"
            check_tokens(env, front.subject, file + _SUBJECT_SUFFIX, filename)
            code = env.compile(front.subject, name=file + _SUBJECT_SUFFIX, filename=filename)
            self._subject = env.template_class.from_code(env, code, env.make_globals(None))
        except TemplateSyntaxError as exc:
            raise self._error(exc, handle=None) from None
        except (SyntaxError, RecursionError, MemoryError, ResourceLimit) as exc:
            # Python's own compiler refuses deep nesting (20 blocks, 200 parentheses).
            raise RenderError(
                f"template nests too deeply or is too large ({type(exc).__name__}: {exc})",
                template=display,
                line=getattr(exc, "lineno", None),
                handle=None,
            ) from None

    def render(self, context: dict[str, Any], *, handle: str | None) -> Rendered:
        """Render for one influencer; any failure is a RenderError naming file, line, handle."""
        token = self.env.start_render()
        # One parent mapping for all parts, shared (not copied) by their render contexts.
        parent = {**self.env.globals, **context}
        try:
            with HardAlarm():
                subject = self._stream(self._subject, parent, handle)
                text = self._stream(self._body, parent, handle)
                html = self._stream(self._html, parent, handle) if self._html else None
        except HardLimit as exc:  # the alarm went off outside a template's own frames
            raise RenderError(str(exc), template=self.name, line=None, handle=handle) from None
        finally:
            self.env.end_render(token)
        return Rendered(subject=subject, text=text, html=html)

    def _stream(self, template: jinja2.Template, parent: dict[str, Any], handle: str | None) -> str:
        """Render chunk by chunk and stop at the output cap (never build a huge string)."""
        parts: list[str] = []
        size = 0
        limit = self.env.max_output
        try:
            for chunk in template.root_render_func(template.new_context(parent, shared=True)):
                size += len(chunk)
                if size > limit:
                    raise ResourceLimit(f"output exceeds {limit} characters")
                parts.append(chunk)
        except ResourceLimit as exc:
            if size > limit:
                raise RenderError(str(exc), template=self.name, line=None, handle=handle) from None
            raise self._rewritten(handle) from None
        except Exception:  # a template may fail in any way: report it
            raise self._rewritten(handle) from None
        return "".join(parts)

    def _rewritten(self, handle: str | None) -> RenderError:
        """The exception under way, with Jinja2's template-line traceback, as a RenderError."""
        try:
            self.env.handle_exception()
        except Exception as exc:
            return self._error(exc, handle=handle)
        raise AssertionError("handle_exception always raises")

    def _error(self, exc: BaseException, *, handle: str | None) -> RenderError:
        file, line = _location(exc, exc.__traceback__)
        template = self.name
        if file is not None:
            if file.endswith(_SUBJECT_SUFFIX):
                line = self.subject_line + (line or 1) - 1
                file = None
            else:
                template = self._display_dir + Path(file).name
        message = exc.message if isinstance(exc, TemplateSyntaxError) and exc.message else str(exc)
        if isinstance(exc, RecursionError | MemoryError):
            message = f"{type(exc).__name__}: template too deep or too large"
        elif not isinstance(exc, jinja2.TemplateError):
            message = f"{type(exc).__name__}: {message}"
        return RenderError(message, template=template, line=line, handle=handle)


def _location(exc: BaseException, tb: TracebackType | None) -> tuple[str | None, int | None]:
    """The innermost template frame of the traceback: (template filename, file line)."""
    if isinstance(exc, TemplateSyntaxError):
        return exc.filename, exc.lineno
    found: tuple[str | None, int | None] = (None, None)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2") or filename.endswith(_SUBJECT_SUFFIX):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


class TemplateSet:
    """Every template of a workspace, compiled on first use and cached."""

    def __init__(
        self,
        directory: Path,
        *,
        max_output: int = DEFAULT_MAX_OUTPUT,
        max_iterations: int = DEFAULT_MAX_ITERATIONS,
    ) -> None:
        self.directory = directory
        loader = WorkspaceLoader(str(directory))
        self._envs = {
            lang: BoundedSandbox(
                loader,
                max_output=max_output,
                max_iterations=max_iterations,
                filters=filters_for(lang),
            )
            for lang in LANGUAGES
        }
        for env in self._envs.values():
            env.autoescape = lambda name: name is not None and name.endswith(".html.j2")
        self._cache: dict[str, PitchTemplate] = {}
        self._resolved: dict[tuple[str, str], PitchTemplate] = {}
        self._seen = self.fingerprint()

    def fingerprint(self) -> str:
        """What the folder's templates are now: name, size and modification time of each."""
        try:
            entries = sorted(
                (e.name, e.stat().st_size, e.stat().st_mtime_ns)
                for e in os.scandir(self.directory)
                if e.name.endswith(".j2")
            )
        except OSError:
            entries = []
        return hashlib.sha256(repr(entries).encode()).hexdigest()

    def refresh(self) -> bool:
        """Forget compiled templates when any file changed since they were compiled, so the
        next render uses what is on disk now (what `outreach preview` shows). True if so."""
        now = self.fingerprint()
        if now == self._seen:
            return False
        self._seen = now
        self._cache.clear()
        self._resolved.clear()
        for env in self._envs.values():
            if env.cache is not None:
                env.cache.clear()
        return True

    def resolve(self, name: str, language: str) -> PitchTemplate:
        """`<name>.<language>.j2` if it exists, else `<name>.j2`."""
        key = (name, language)
        if key not in self._resolved:
            candidates = [f"{name}.{language}.j2", f"{name}.j2"]
            for file in candidates:
                if _NAME.fullmatch(file) and (self.directory / file).is_file():
                    self._resolved[key] = self.load(file)
                    break
            else:
                raise InputError(
                    f"template {name!r} not found",
                    file=str(self.directory),
                    hint=f"expected {' or '.join(candidates)}",
                )
        return self._resolved[key]

    def exists(self, name: str, language: str | None = None) -> bool:
        files = [f"{name}.{language}.j2"] if language else []
        files.append(f"{name}.j2")
        if language is None:
            files += [f"{name}.{lang}.j2" for lang in LANGUAGES]
        return any(_NAME.fullmatch(f) and (self.directory / f).is_file() for f in files)

    def load(self, file: str) -> PitchTemplate:
        if file not in self._cache:
            display = f"{self.directory.name}/{file}"
            if not _NAME.fullmatch(file) or ".." in file.split("/"):
                raise InputError("not a plain template name", file=display)
            path = self.directory / file
            if path.is_file() and path.stat().st_size > MAX_SOURCE * 4:
                raise InputError(
                    f"template is {path.stat().st_size} bytes; the limit is {MAX_SOURCE}"
                    " characters",
                    file=display,
                    line=1,
                )
            source = path.read_text(encoding="utf-8")
            if len(source) > MAX_SOURCE:
                raise InputError(
                    f"template is {len(source)} characters; the limit is {MAX_SOURCE}",
                    file=display,
                    line=1,
                )
            front = parse_front_matter(source, display)
            html = file[: -len(".j2")] + ".html.j2"
            html_file = html if (self.directory / html).is_file() else None
            tpl = PitchTemplate(self._envs[front.language], file, display, front, html_file)
            tpl.content_hash = hashlib.sha256(source.encode("utf-8")).hexdigest()
            self._cache[file] = tpl
        return self._cache[file]
