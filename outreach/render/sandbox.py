"""A Jinja2 sandbox that is also a resource limit (the stock sandbox is not one).

`ImmutableSandboxedEnvironment` blocks Python internals; on top of it every render gets a
budget, and everything a template can do that allocates or loops is sized BEFORE it runs:
- loops: every item of every `{% for %}` (strings, dicts, generators, recursive `loop()`),
  every item an iterating filter (`map`, `select`, `batch`, `join`, ...) consumes, every call,
  filter, operator and include spends from a per-render loop budget (a long loop body, macro
  or included template costs more per pass, so thousands of statements cannot run 10^5 times);
- work: every string a template builds, prints, compares or passes to a filter or method spends
  its length from a per-render character budget, so time is bounded as well as memory;
- size: any single value would-be larger than the output cap is refused from its inputs
  (`'x' * n`, `'%999999999s' % x`, `center`/`ljust`/`expandtabs` widths, `replace`,
  `translate`, `join`, `wordwrap(wrapstring=)`, `tojson(indent=)`, `indent`, `batch`, `~`,
  macro and `{% set %}` buffers, the text of a list or namespace);
- a cooperative clock: the budget checks, as it is spent, the CPU time the rendering thread has
  used (not wall-clock time, so a render on a busy machine is not failed for other processes'
  work);
- `str.format`/`format_map` (CVE-2016-10745, CVE-2019-10906, CVE-2024-56326, CVE-2025-27516),
  `str.encode` (codecs such as punycode are quadratic), `lipsum`, `pprint` and `urlize`
  are not reachable at all.
Where a render can be stopped from outside (the planner's worker process) a hard limit backs
this up: `install_hard_limits` (SIGALRM per render and RLIMIT_AS for the process).

Longer than 400 lines on purpose: the sandbox is the attack surface of every template, and it is
reviewed as one file.
"""

from __future__ import annotations

import contextvars
import re
import resource
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sized
from datetime import date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from typing import Any, cast

from jinja2 import BaseLoader, StrictUndefined, nodes
from jinja2.compiler import CodeGenerator, Frame, operators, optimizeconst
from jinja2.environment import TemplateModule
from jinja2.exceptions import SecurityError
from jinja2.filters import make_attrgetter
from jinja2.runtime import Context, LoopContext, Macro, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Namespace, _PassArg, pass_context


class ResourceLimit(SecurityError):
    """A template tried to allocate, loop or run beyond the configured bounds."""


class HardLimit(ResourceLimit):
    """The render was interrupted from outside (the worker's per-render alarm)."""


MAX_INT_BITS = 4096  # integers a pitch could need are far smaller
DEFAULT_MAX_SECONDS = 1.0
WORK_PER_OUTPUT = 64  # the character budget is this many times the output cap
_CLOCK_EVERY = 256  # budget spends between two looks at the clock
_PADDING_METHODS = frozenset({"ljust", "rjust", "center", "zfill"})
_UNREACHABLE_STR_METHODS = frozenset({"format", "format_map", "encode"})
_REMOVED_FILTERS = ("pprint", "urlize")  # debugging / HTML helpers a pitch has no use for
_ITERATING_FILTERS = frozenset(
    {
        "batch",
        "dictsort",
        "first",
        "groupby",
        "items",
        "join",
        "last",
        "list",
        "map",
        "max",
        "min",
        "random",
        "reject",
        "rejectattr",
        "reverse",
        "select",
        "selectattr",
        "slice",
        "sort",
        "sum",
        "tojson",
        "unique",
        "xmlattr",
    }
)
_DICT_ATTRIBUTES = frozenset(dir(dict))
_CONTAINERS = (list, tuple, dict)
_PERCENT = re.compile(
    r"%(?:\((?P<key>[^)]*)\))?[-#0 +]*(?P<width>\*|\d+)?(?:\.(?P<precision>\*|\d+))?"
    r"[hlL]?(?P<conv>.)?",
    re.DOTALL,
)
_NUMBER_TEXT = 32  # a float or date printed: at most this many characters
_JSON_PER_CHAR = 12  # json.dumps(ensure_ascii=True): an astral character is two \\uXXXX escapes


# --- the per-render budget ---------------------------------------------------------------


class _Budget:
    """What the render under way may still spend: loop iterations, characters, time."""

    __slots__ = ("deadline", "loops", "max_loops", "max_work", "seconds", "ticks", "work")

    def __init__(self, loops: int, work: int, seconds: float) -> None:
        self.loops = self.max_loops = loops
        self.work = self.max_work = work
        self.seconds = seconds
        self.deadline = time.thread_time() + seconds
        self.ticks = _CLOCK_EVERY

    def loop(self, n: int = 1) -> None:
        self.loops -= n
        if self.loops < 0:
            raise ResourceLimit(
                f"loop budget exhausted (more than {self.max_loops} loop passes, calls, filters"
                " and includes for one message)"
            )
        self.ticks -= 1
        if self.ticks <= 0:
            self.clock()

    def charge(self, n: int) -> None:
        self.work -= n
        if self.work < 0:
            raise ResourceLimit(
                f"work budget exhausted (the template built or scanned more than"
                f" {self.max_work} characters for one message)"
            )
        self.ticks -= 1 + (n >> 12)  # a big operation: look at the clock sooner
        if self.ticks <= 0:
            self.clock()

    def clock(self) -> None:
        self.ticks = _CLOCK_EVERY
        if time.thread_time() > self.deadline:
            raise ResourceLimit(f"render took longer than {self.seconds:g} s of CPU time")


_budget: contextvars.ContextVar[_Budget] = contextvars.ContextVar("render_budget")


def charge(n: int) -> None:
    """Spend `n` characters of the work budget of the render under way (none: no-op)."""
    budget = _budget.get(None)
    if budget is not None:
        budget.charge(n)


def _counting(items: Iterable[Any], budget: _Budget, weight: int = 1) -> Iterator[Any]:
    """`items`, `weight` loop units per item (for iterators, whose length is not known upfront)."""
    for item in items:
        budget.loop(weight)
        yield item


_units_of_code: dict[Any, int] = {}  # one entry per compiled template or macro body


def _code_units(fn: Any) -> int:
    """What calling `fn` (a macro's or template's compiled function) costs in loop units."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return CALL_UNITS
    units = _units_of_code.get(code)
    if units is None:  # `co_code` builds a new bytes object on every access
        units = _units_of_code[code] = CALL_UNITS + len(code.co_code) // CODE_BYTES_PER_UNIT
    return units


# --- how big the text of a value is, without building it ---------------------------------


def text_size(value: Any, limit: int) -> int:
    """An upper bound of `len(str(value))`, computed without building it; stops counting
    (returns a number > limit) as soon as the bound passes `limit`. Each item it looks at
    spends a step of the loop budget of the render under way."""
    kind = type(value)
    if kind is str:
        return len(value)
    if kind is list or kind is tuple:
        return _items_size(value, limit)
    if kind is dict:
        return _pairs_size(value, limit)
    if isinstance(value, str):
        return len(value)
    if isinstance(value, bool) or value is None:
        return 5
    if isinstance(value, int):
        return value.bit_length() * 30103 // 100000 + 2  # log10(2) digits per bit, and a sign
    if isinstance(value, float | Decimal | date | datetime | dtime | timedelta):
        return _NUMBER_TEXT if not isinstance(value, Decimal) else len(value.as_tuple().digits) + 32
    if isinstance(value, Undefined):
        return 0  # printing it raises (StrictUndefined); filters such as `default` take it
    if isinstance(value, Namespace):
        return 16 + text_size(value._Namespace__attrs, limit)
    if isinstance(value, TemplateModule):
        return sum(len(s) for s in value._body_stream)
    if isinstance(value, bytes | bytearray):
        return 4 * len(value) + 3  # b'\xff' per byte
    if isinstance(value, Mapping):
        return _pairs_size(value, limit)
    if isinstance(value, list | tuple | set | frozenset) or type(value).__name__ in (
        "dict_keys",
        "dict_values",
        "dict_items",
    ):
        return _items_size(value, limit)
    return 80  # other objects print as a short repr (range, generators, macros, loop)


def _items_size(items: Iterable[Any], limit: int) -> int:
    total, seen = 2 + 16, 0
    for item in items:
        seen += 1
        total += 2 + (len(item) if type(item) is str else text_size(item, limit))
        if total > limit:
            break
    _spend_steps(seen)
    return total


def _pairs_size(pairs: Mapping[Any, Any], limit: int) -> int:
    total, seen = 2 + 16, 0
    for k, v in pairs.items():
        seen += 1
        total += 4 + text_size(k, limit) + (len(v) if type(v) is str else text_size(v, limit))
        if total > limit:
            break
    _spend_steps(seen)
    return total


def _spend_steps(n: int) -> None:
    budget = _budget.get(None)
    if budget is not None:
        budget.loop(n)


# --- code generation: loops, `~`, comparisons and slices go through the environment -----


LOOP_FILTER = "loop items"  # a name no template can spell: For.iter goes through it
# An iteration, a call, a filter or an operator costs one loop unit; a long body costs one more
# per this many template nodes of a loop body, or bytes of a macro's or template's compiled
# code, so that a body of thousands of statements cannot run a hundred thousand times.
NODES_PER_UNIT = 8
CODE_BYTES_PER_UNIT = 256
CALL_UNITS = 10  # a macro call or an include costs as much as about ten plain iterations


class _BoundedCodeGenerator(CodeGenerator):
    """Jinja2's code generator with the few expressions the sandbox does not intercept routed
    through the environment (`BoundedSandbox.loop_items`, `joined`, `charged`, `getslice`).
    Jinja2 forbids new node types, so a loop's iterable is wrapped in a private filter."""

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        for loop in list(node.find_all(nodes.For)):
            if not (isinstance(loop.iter, nodes.Filter) and loop.iter.name == LOOP_FILTER):
                size = sum(1 for child in loop.body for _ in child.find_all(nodes.Node))
                weight = nodes.Const(1 + (size + len(loop.body)) // NODES_PER_UNIT)
                loop.iter = nodes.Filter(
                    loop.iter, LOOP_FILTER, [weight], [], None, None, lineno=loop.iter.lineno
                )
        super().visit_Template(node, frame)

    @optimizeconst
    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        if frame.eval_ctx.volatile:
            func_name = "(markup_join if context.eval_ctx.volatile else str_join)"
        elif frame.eval_ctx.autoescape:
            func_name = "markup_join"
        else:
            func_name = "str_join"
        self.write(f"environment.joined({func_name}, (")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")

    @optimizeconst
    def visit_Compare(self, node: nodes.Compare, frame: Frame) -> None:
        self.write("(environment.charged(")
        self.visit(node.expr, frame)
        self.write(")")
        for op in node.ops:
            self.visit(op, frame)
        self.write(")")

    def visit_Operand(self, node: nodes.Operand, frame: Frame) -> None:
        self.write(f" {operators[node.op]} environment.charged(")
        self.visit(node.expr, frame)
        self.write(")")

    def _output_child_pre(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        """`{{ x }}` is sized before `str(x)`: in a buffer (macro, `{% set %}`, caller) it is
        also charged; streamed to the output, the caller's output cap counts it, and a string,
        the common case, is passed on inline (no call at all)."""
        if self._inline_output(frame):
            self.write("(t_fv if type(t_fv := ")
            return
        if frame.eval_ctx.volatile:
            self.write("(escape if context.eval_ctx.autoescape else str)(")
        elif frame.eval_ctx.autoescape:
            self.write("escape(")
        else:
            self.write("str(")
        if frame.buffer is None:
            self.write("environment.finalize_streamed(")
        else:
            self.write("environment.finalize(")

    def _output_child_post(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        if self._inline_output(frame):
            self.write(") is str else str(environment.finalize_streamed(t_fv)))")
        else:
            self.write("))")

    @staticmethod
    def _inline_output(frame: Frame) -> bool:
        return (
            frame.buffer is None and not frame.eval_ctx.volatile and not frame.eval_ctx.autoescape
        )

    def visit_Getitem(self, node: nodes.Getitem, frame: Frame) -> None:
        if not isinstance(node.arg, nodes.Slice):
            super().visit_Getitem(node, frame)
            return
        self.write("environment.getslice(")
        self.visit(node.node, frame)
        for part in (node.arg.start, node.arg.stop, node.arg.step):
            self.write(", ")
            if part is None:
                self.write("None")
            else:
                self.visit(part, frame)
        self.write(")")


# --- the environment ---------------------------------------------------------------------


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """The environment every template is compiled in; see the module docstring."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})
    code_generator_class = _BoundedCodeGenerator

    def __init__(
        self,
        loader: BaseLoader,
        *,
        max_output: int,
        max_iterations: int,
        filters: dict[str, Callable[..., Any]],
        max_work: int | None = None,
        max_seconds: float = DEFAULT_MAX_SECONDS,
    ) -> None:
        super().__init__(
            loader=loader,
            undefined=StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,
            cache_size=-1,
            finalize=self._finalize,
        )
        self.max_output = max_output
        self.max_iterations = max_iterations
        self.max_work = max_work if max_work is not None else WORK_PER_OUTPUT * max_output
        self.max_seconds = max_seconds
        del self.globals["lipsum"]  # generates up to any size; a pitch has no use for it
        self.globals["range"] = self._range
        self.globals["namespace"] = _make_namespace(max_output)
        for name in _REMOVED_FILTERS:
            del self.filters[name]
        trusted = frozenset(filters)
        self.filters.update(filters)
        checks: dict[str, Callable[..., Any]] = {
            "batch": self._check_batch,
            "center": self._check_center,
            "format": self._check_format_filter,
            "indent": self._check_indent,
            "join": self._check_join,
            "replace": self._check_replace_filter,
            "slice": self._check_slice,
            "sum": self._check_sum,
            "tojson": self._check_tojson,
            "trim": self._check_trim,
            "truncate": self._check_truncate,
            "wordwrap": self._check_wordwrap,
        }
        # The project's own filters (`filters.py`) never turn a container into text, print
        # at most their input plus a few characters and charge what they read themselves.
        self.filters = {
            name: fn
            if name in trusted
            else self._guard(name, fn, checks.get(name), _ITERATING_FILTERS)
            for name, fn in self.filters.items()
        }
        self.filters[LOOP_FILTER] = pass_context(
            lambda context, items, weight=1: self.loop_items(items, weight)
        )
        self.tests = {
            name: self._guard(name, cast(Callable[..., Any], test), None, frozenset())
            for name, test in self.tests.items()
        }
        self.concat = self._concat  # type: ignore[method-assign]

    def start_render(self) -> contextvars.Token[_Budget]:
        """Open a fresh budget; pass the token to `end_render`."""
        return _budget.set(_Budget(self.max_iterations, self.max_work, self.max_seconds))

    @staticmethod
    def end_render(token: contextvars.Token[_Budget]) -> None:
        _budget.reset(token)

    # --- sizes and charges ------------------------------------------------------------

    def _refuse_large(self, value: Any, what: str) -> int:
        """The text size of `value`; refused when above the output cap."""
        size = len(value) if type(value) is str else text_size(value, self.max_output)
        if size > self.max_output:
            raise ResourceLimit(f"{what} would exceed {self.max_output} characters")
        if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
            raise ResourceLimit(f"{what}: integer too large")
        return size

    def _check_width(self, width: Any, what: str) -> None:
        if isinstance(width, int) and abs(width) > self.max_output:
            raise ResourceLimit(f"{what}: width {width} exceeds {self.max_output}")

    def _charge(self, n: int) -> None:
        budget = _budget.get(None)
        if budget is not None:
            budget.charge(n)

    def _finalize(self, value: Any) -> Any:
        """Every `{{ expression }}` printed: sized before it is turned into text."""
        size = len(value) if type(value) is str else self._refuse_large(value, "printed value")
        if size > self.max_output:
            raise ResourceLimit(f"printed value would exceed {self.max_output} characters")
        budget = _budget.get(None)
        if budget is not None:
            budget.charge(size)
        return value

    def finalize_streamed(self, value: Any) -> Any:
        """`{{ expression }}` streamed to the output: a string is there already (the output cap
        counts it); anything else is sized before it is turned into text."""
        if type(value) is str:
            return value
        self._refuse_large(value, "printed value")
        return value

    def _concat(self, parts: Iterable[str]) -> str:
        """The buffers of macros, `{% set %}` blocks, `{% filter %}` and caller blocks."""
        parts = parts if isinstance(parts, list) else list(parts)
        size = sum(map(len, parts))
        if size > self.max_output:
            raise ResourceLimit(f"a macro or block would exceed {self.max_output} characters")
        self._charge(size)
        return "".join(parts)

    def joined(self, join: Callable[[Iterable[Any]], str], parts: tuple[Any, ...]) -> str:
        """`a ~ b ~ c`."""
        size = 0
        for part in parts:
            size += len(part) if type(part) is str else text_size(part, self.max_output)
            if size > self.max_output:
                raise ResourceLimit(f"'~' would exceed {self.max_output} characters")
        self._charge(size)
        return join(parts)

    def charged(self, value: Any) -> Any:
        """A comparison operand (`==`, `<`, `in`): comparing costs its size."""
        if type(value) is str:
            self._charge(len(value))
        elif isinstance(value, Sized):
            self._charge(self._refuse_large(value, "compared value"))
        return value

    def getslice(self, obj: Any, start: Any, stop: Any, step: Any) -> Any:
        if isinstance(obj, Sized) and not isinstance(obj, range):
            self._charge(len(obj))
        return obj[start:stop:step]

    def loop_items(self, items: Any, weight: int = 1) -> Any:
        """The iterable of a `{% for %}`: a sized one is paid for upfront, others per item;
        each item costs `weight` units (longer loop bodies cost more)."""
        budget = _budget.get(None)
        if budget is None or isinstance(items, Undefined):
            return items
        if isinstance(items, Sized) and not isinstance(items, Iterator):
            budget.loop(len(items) * weight)
            return items
        return _counting(items, budget, weight)

    def get_template(self, name: Any, parent: Any = None, globals: Any = None) -> Any:
        """`{% include %}`, `{% import %}`, `{% extends %}`: each costs by the template's size."""
        template = super().get_template(name, parent, globals)
        budget = _budget.get(None)
        if budget is not None:  # a first include compiles it: look at the clock now
            budget.loop(_code_units(template.root_render_func))
            budget.clock()
        return template

    def select_template(self, names: Any, parent: Any = None, globals: Any = None) -> Any:
        template = super().select_template(names, parent, globals)
        budget = _budget.get(None)
        if budget is not None:
            budget.loop(_code_units(template.root_render_func))
            budget.clock()
        return template

    # --- operators --------------------------------------------------------------------

    def call_binop(self, context: Context, operator_: str, left: Any, right: Any) -> Any:
        if operator_ == "**":
            self._check_power(left, right)
        elif operator_ == "*":
            self._check_product(left, right)
        elif operator_ == "+":
            if isinstance(left, str | list | tuple) and isinstance(right, str | list | tuple):
                text = len(left) + len(right)
                if not isinstance(left, str) and text <= self.max_output:  # lists: their text
                    text = text_size(left, self.max_output) + text_size(right, self.max_output)
                    self._charge(text)
                if text > self.max_output:
                    raise ResourceLimit(f"'+' would exceed {self.max_output} characters/items")
        elif operator_ == "%" and isinstance(left, str):
            self._check_percent(left, right, "'%'")
        result = self.binop_table[operator_](left, right)
        budget = _budget.get(None)
        if budget is not None:
            budget.loop()
            if isinstance(result, str | list | tuple):
                budget.charge(len(result))
        if isinstance(result, int) and result.bit_length() > MAX_INT_BITS:
            raise ResourceLimit(f"'{operator_}': integer too large")
        return result

    def _check_power(self, base: Any, exp: Any) -> None:
        if (
            isinstance(base, int)
            and isinstance(exp, int)
            and exp > 0
            and abs(base) > 1
            and exp * abs(base).bit_length() > MAX_INT_BITS
        ):
            raise ResourceLimit(f"{base} ** {exp} is too large")

    def _check_product(self, left: Any, right: Any) -> None:
        for seq, n in ((left, right), (right, left)):
            if isinstance(seq, Sized) and not isinstance(seq, int) and isinstance(n, int):
                if len(seq) * n > self.max_output:
                    raise ResourceLimit(
                        f"repeating {len(seq)} items {n} times exceeds {self.max_output}"
                    )
                if not isinstance(seq, str) and n > 0:  # a list of copies: their text too
                    text = text_size(seq, self.max_output)
                    self._charge(text)
                    if text * n > self.max_output:
                        raise ResourceLimit(
                            f"repeating a list {n} times would exceed {self.max_output} characters"
                        )
                return
        if (
            isinstance(left, int)
            and isinstance(right, int)
            and left.bit_length() + right.bit_length() > MAX_INT_BITS
        ):
            raise ResourceLimit("product is too large")

    def _check_percent(self, fmt: str, values: Any, what: str) -> None:
        """`fmt % values`: the result's size from the format and the values, before formatting."""
        if isinstance(values, Mapping):
            positional: tuple[Any, ...] = ()
        else:
            positional = values if isinstance(values, tuple) else (values,)
        size = len(fmt)
        index = 0
        for m in _PERCENT.finditer(fmt):
            width, precision, conv, key = m["width"], m["precision"], m["conv"], m["key"]
            for number in (width, precision):
                if number == "*" or (number and int(number) > self.max_output):
                    raise ResourceLimit(f"format width {number!r} exceeds {self.max_output}")
            if conv == "%" or conv is None:
                continue
            if key is not None and isinstance(values, Mapping):
                value = values.get(key)
            elif index < len(positional):
                value = positional[index]
                index += 1
            else:
                value = values
            text = text_size(value, self.max_output)
            if conv in "rsa" and not isinstance(value, str):
                text = 2 * text + 2  # repr() escapes
            size += max(int(width or 0), text, int(precision or 0) + _NUMBER_TEXT)
            if size > self.max_output:
                raise ResourceLimit(f"{what} would exceed {self.max_output} characters")
        self._charge(size)

    # --- calls and attributes ---------------------------------------------------------

    def wrap_str_format(self, value: Any) -> None:
        """Never hand out a (wrapped) `str.format`: `is_safe_attribute` refuses it instead."""
        return None

    def getattr(self, obj: Any, attribute: str) -> Any:
        """`x.name` on a plain dict (every context value is one) is the item: Jinja2 looks for
        an attribute first, and the AttributeError it raises and catches costs about 1 us per
        lookup. A dict instance has no attributes of its own, so the answer is the same."""
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if attr in _UNREACHABLE_STR_METHODS and isinstance(obj, str):
            return False  # format: every known sandbox escape; encode: quadratic codecs
        if attr == "decode" and isinstance(obj, bytes | bytearray):
            return False
        return super().is_safe_attribute(obj, attr, value)

    def call(  # Jinja2's own signature: positional-only by convention
        __self, __context: Context, __obj: Any, *args: Any, **kwargs: Any
    ) -> Any:
        budget = _budget.get(None)
        size = 1
        items = 0  # a sized argument (list, dict, range) may be iterated by the callee
        for value in args:
            size += __self._refuse_large(value, "argument")
            if type(value) is not str and isinstance(value, Sized):
                items += len(value)
        for key, value in kwargs.items():
            if key not in ("_loop_vars", "_block_vars"):  # Jinja2's own, dropped by the call
                size += __self._refuse_large(value, "argument")
        receiver = getattr(__obj, "__self__", None)
        if isinstance(receiver, str):
            size += len(receiver)
        elif isinstance(receiver, list | tuple | dict):  # its methods compare its items
            size += __self._refuse_large(receiver, "the object of a method")
        if budget is not None:
            if isinstance(__obj, Macro):
                budget.loop(items + _code_units(__obj._func))
            else:
                budget.loop(items + 1)
            budget.charge(size)
        if isinstance(__obj, LoopContext) and args:  # `loop(children)` of a recursive loop
            args = (__self.loop_items(args[0], _code_units(__obj._recurse)), *args[1:])
        elif isinstance(receiver, str):
            args = __self._check_str_method(receiver, getattr(__obj, "__name__", ""), args, kwargs)
        result = super().call(__context, __obj, *args, **kwargs)
        if isinstance(result, str | list | tuple):
            if len(result) > __self.max_output:
                raise ResourceLimit(f"result would exceed {__self.max_output} characters/items")
            if budget is not None:
                budget.charge(len(result))
        return result

    def _check_str_method(
        self, text: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[Any, ...]:
        """Refuse a `str` method call whose result would be too large; returns the arguments
        (a generator passed to `join` is read once, here, counted)."""
        limit = self.max_output
        if name in _PADDING_METHODS:
            for value in (*args, *kwargs.values()):
                self._check_width(value, f"str.{name}")
        elif name == "expandtabs":
            tabsize = (args or (kwargs.get("tabsize", 8),))[0]
            if isinstance(tabsize, int) and len(text) + text.count("\t") * tabsize > limit:
                raise ResourceLimit(f"str.expandtabs: width {tabsize} exceeds {limit}")
        elif name == "replace" and args:
            self._check_replace(text, *args[:2])
        elif name == "join" and args:
            items = self._read_items(args[0])
            size = max(len(items) - 1, 0) * len(text)
            for item in items:
                size += len(item) if type(item) is str else text_size(item, limit)
                if size > limit:
                    raise ResourceLimit(f"str.join would exceed {limit} characters")
            charge(size)
            return (items, *args[1:])
        elif name == "translate" and args:
            self._check_translate(text, args[0])
        elif name in ("strip", "lstrip", "rstrip") and args and isinstance(args[0], str):
            charge(_strip_cost(text, args[0]))
        return args

    def _read_items(self, value: Any) -> list[Any]:
        """An iterable as a list, each item counted against the loop budget."""
        budget = _budget.get(None)
        if isinstance(value, Sized) and not isinstance(value, Iterator):
            if budget is not None:
                budget.loop(len(value))
            return list(cast(Iterable[Any], value))
        items = []
        for item in value:
            if budget is not None:
                budget.loop()
            items.append(item)
            if len(items) > self.max_output:
                raise ResourceLimit(f"more than {self.max_output} items")
        return items

    def _check_replace(self, text: str, old: Any, new: Any = "") -> None:
        if (
            isinstance(old, str)
            and isinstance(new, str)
            and (text.count(old) + 1) * len(new) > self.max_output
        ):
            raise ResourceLimit("replace would exceed the output limit")

    def _check_translate(self, text: str, table: Any) -> None:
        size = 0
        for char, count in Counter(text).items():
            try:
                mapped = table[ord(char)]
            except LookupError:
                mapped = char
            size += count * (len(mapped) if isinstance(mapped, str) else 1)
            if size > self.max_output:
                raise ResourceLimit(f"str.translate would exceed {self.max_output} characters")

    # --- bounded globals and filters --------------------------------------------------

    def _range(self, *args: int) -> range:
        rng = range(*args)
        if len(rng) > self.max_iterations:
            raise ResourceLimit(f"range of {len(rng)} items exceeds {self.max_iterations}")
        return rng

    def _guard(
        self,
        name: str,
        fn: Callable[..., Any],
        check: Callable[..., Any] | None,
        iterating: frozenset[str],
    ) -> Callable[..., Any]:
        """`fn` (a filter or test) with its input sized and counted, `check` run before it and
        its result sized. It takes the context, which also keeps Jinja2 from running it at
        compile time on constants (where no budget is open)."""
        pass_arg = _PassArg.from_obj(fn)
        counts_items = name in iterating
        limit = self.max_output

        @pass_context
        def guarded(context: Context, value: Any, *args: Any, **kwargs: Any) -> Any:
            budget = _budget.get(None)
            if budget is not None:
                budget.loop()
            kind = type(value)
            if kind is str:
                if len(value) > limit:
                    raise ResourceLimit(f"{name}: its input would exceed {limit} characters")
                if budget is not None:
                    budget.charge(len(value) + 1)
                    if counts_items:
                        budget.loop(len(value))
            elif kind not in _CONTAINERS and isinstance(value, Iterator):
                if budget is not None:
                    value = _counting(value, budget)
            else:
                size = self._refuse_large(value, f"{name}: its input")
                if budget is not None:
                    budget.charge(size + 1)
                    if counts_items and isinstance(value, Sized):
                        budget.loop(len(value))
            for arg in args:
                if type(arg) is not str or len(arg) > limit:
                    size = self._refuse_large(arg, f"{name}: argument")
                    if budget is not None:
                        budget.charge(size)
            for arg in kwargs.values():
                size = self._refuse_large(arg, f"{name}: argument")
                if budget is not None:
                    budget.charge(size)
            if check is not None:
                value = check(context, value, *args, **kwargs)
            if pass_arg is _PassArg.context:
                result = fn(context, value, *args, **kwargs)
            elif pass_arg is _PassArg.eval_context:
                result = fn(context.eval_ctx, value, *args, **kwargs)
            elif pass_arg is _PassArg.environment:
                result = fn(context.environment, value, *args, **kwargs)
            else:
                result = fn(value, *args, **kwargs)
            if isinstance(result, str | list | tuple):
                if len(result) > limit:
                    raise ResourceLimit(f"{name} would exceed {limit} characters/items")
                if budget is not None:
                    budget.charge(len(result))
            return result

        guarded.__name__ = getattr(fn, "__name__", name)
        guarded.__doc__ = fn.__doc__
        return guarded

    # Each check gets the filter's arguments, refuses what would be too large, and returns the
    # value to filter (a generator it had to read is returned as the list it read).

    def _check_center(self, context: Context, value: Any, width: Any = 80) -> Any:
        self._check_width(width, "center")
        return value

    def _check_indent(
        self, context: Context, value: Any, width: Any = 4, *args: Any, **kwargs: Any
    ) -> Any:
        pad = len(width) if isinstance(width, str) else width
        if isinstance(pad, int) and pad * (str(value).count("\n") + 1) > self.max_output:
            raise ResourceLimit(f"indent would exceed {self.max_output} characters")
        return value

    def _check_format_filter(self, context: Context, value: Any, *args: Any, **kwargs: Any) -> Any:
        self._check_percent(str(value), kwargs or args, "format")
        return value

    def _check_replace_filter(
        self, context: Context, value: Any, old: Any, new: Any, count: Any = None
    ) -> Any:
        self._check_replace(str(value), old, new)
        return value

    def _check_slice(self, context: Context, value: Any, slices: Any, fill_with: Any = None) -> Any:
        self._check_width(slices, "slice")
        return value

    def _check_batch(
        self, context: Context, value: Any, linecount: Any, fill_with: Any = None
    ) -> Any:
        self._check_width(linecount, "batch")
        return value

    def _check_sum(
        self, context: Context, value: Any, attribute: Any = None, start: Any = 0
    ) -> Any:
        if not isinstance(start, int | float | Decimal):
            raise ResourceLimit("sum adds numbers only (start must be a number)")
        return value

    def _check_join(self, context: Context, value: Any, d: Any = "", attribute: Any = None) -> Any:
        items = list(value)  # counted by the guard: upfront when sized, else as it is read
        size = max(len(items) - 1, 0) * len(str(d))
        if attribute is None and all(type(item) is str for item in items):
            if size + sum(map(len, items)) > self.max_output:
                raise ResourceLimit(f"join would exceed {self.max_output} characters")
            return items
        get = make_attrgetter(context.environment, attribute) if attribute is not None else None
        for item in items:
            size += text_size(get(item) if get else item, self.max_output)
            if size > self.max_output:
                raise ResourceLimit(f"join would exceed {self.max_output} characters")
        charge(size)
        return items

    def _check_truncate(
        self,
        context: Context,
        value: Any,
        length: Any = 255,
        killwords: Any = False,
        end: Any = "...",
        leeway: Any = None,
    ) -> Any:
        if len(str(value)) + len(str(end)) > self.max_output:
            raise ResourceLimit(f"truncate would exceed {self.max_output} characters")
        return value

    def _check_trim(self, context: Context, value: Any, chars: Any = None) -> Any:
        if isinstance(chars, str):
            charge(_strip_cost(str(value), chars))
        return value

    def _check_wordwrap(
        self,
        context: Context,
        value: Any,
        width: Any = 79,
        break_long_words: Any = True,
        wrapstring: Any = None,
        break_on_hyphens: Any = True,
    ) -> Any:
        text = str(value)
        joint = len(wrapstring) if isinstance(wrapstring, str) else len(self.newline_sequence)
        lines = len(text) + text.count("\n") + 1  # at most one line per character
        if len(text) + lines * joint > self.max_output:
            raise ResourceLimit(f"wordwrap would exceed {self.max_output} characters")
        if isinstance(width, int) and width > 0:
            # textwrap copies the rest of a word longer than `width` for each line it cuts off
            charge(len(text) * len(text) // (width * 256))
        return value

    def _check_tojson(self, context: Context, value: Any, indent: Any = None) -> Any:
        pad = len(indent) if isinstance(indent, str) else indent or 0
        if not isinstance(pad, int):
            raise ResourceLimit("tojson: indent must be a number or a string")
        nodes_, depth = _json_shape(value)
        size = _JSON_PER_CHAR * text_size(value, self.max_output) + nodes_ * (1 + depth * pad)
        if size > self.max_output:
            raise ResourceLimit(f"tojson would exceed {self.max_output} characters")
        charge(size)
        return value


def _strip_cost(text: str, chars: str) -> int:
    """`text.strip(chars)` looks each character of `text` up in `chars`: its cost in work units."""
    return len(text) * len(chars) // 256


def _json_shape(value: Any, depth: int = 1) -> tuple[int, int]:
    """(values, deepest nesting) of a JSON-able value: the lines and indent of its dump."""
    if isinstance(value, Mapping):
        children: Iterable[Any] = value.values()
    elif isinstance(value, list | tuple):
        children = value
    else:
        return 1, depth
    count, deepest = 1, depth
    for child in children:
        n, d = _json_shape(child, depth + 1)
        count += n
        deepest = max(deepest, d)
    return count, deepest


def _make_namespace(limit: int) -> type[Namespace]:
    class BoundedNamespace(Namespace):
        def __setitem__(self, name: str, value: Any) -> None:
            size = text_size(value, limit)
            if size > limit:
                raise ResourceLimit(f"namespace value would exceed {limit} characters/items")
            charge(size)
            super().__setitem__(name, value)

    return BoundedNamespace


# --- the hard limit, where a render can be stopped from outside ----------------------------


_hard_seconds: float | None = None
_armed = False


def install_hard_limits(seconds: float, memory_bytes: int | None) -> None:
    """In a process of its own (the planner's worker): every render started from its main
    thread is interrupted after `seconds` (SIGALRM), and the process's address space is
    capped at its current size plus `memory_bytes` (RLIMIT_AS), so an allocation past it
    fails with MemoryError instead of taking the machine's memory."""
    global _hard_seconds
    signal.signal(signal.SIGALRM, _on_alarm)
    _hard_seconds = seconds
    if memory_bytes is not None:
        current = _address_space()
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        soft = current + memory_bytes
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _address_space() -> int:
    with open("/proc/self/statm", encoding="ascii") as f:
        pages = int(f.read().split()[0])
    return pages * resource.getpagesize()


def _on_alarm(signum: int, frame: Any) -> None:
    if _armed:
        raise HardLimit(f"render stopped after {_hard_seconds:g} s (hard limit)")


class HardAlarm:
    """Arm the per-render alarm for the block, when `install_hard_limits` was called and this
    is the main thread (where Python runs signal handlers)."""

    __slots__ = ("on",)

    def __enter__(self) -> None:
        global _armed
        self.on = (
            _hard_seconds is not None and threading.current_thread() is threading.main_thread()
        )
        if self.on:
            _armed = True
            signal.setitimer(signal.ITIMER_REAL, _hard_seconds or 0.0)

    def __exit__(self, *exc: object) -> None:
        global _armed
        if self.on:
            _armed = False  # first: an alarm delivered from here on is ignored
            signal.setitimer(signal.ITIMER_REAL, 0)
