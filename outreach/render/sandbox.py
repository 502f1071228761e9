"""A Jinja2 sandbox that is also a resource limit (the stock sandbox is not one).

`ImmutableSandboxedEnvironment` blocks Python internals; on top of it this bounds what a
template (or the data it is given) can make the process allocate or loop over:
- `*`, `**`, `+`, `%` are intercepted and refused when the result would be huge
  (`'x' * 10**9`, `10**10**10`, `'%999999999s' % x`);
- every call from template code is refused when it passes an over-sized string or list, or a
  huge width to a padding method (`'x'.ljust(10**9)`), which also stops macro-recursion doubling;
- `range()` draws from a per-render iteration budget, so nested loops end quickly;
- `namespace()` attributes are size-checked on assignment;
- `str.format` / `format_map` are not reachable at all (CVE-2016-10745, CVE-2019-10906,
  CVE-2024-56326, CVE-2025-27516), whatever route a template takes to them;
- the filters that pad or repeat (`center`, `indent`, `format`, `replace`, `slice`) are bounded.
The rendered output itself is capped by the caller, which streams it.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable, Iterator, Sized
from typing import Any

from jinja2 import BaseLoader, StrictUndefined
from jinja2.exceptions import SecurityError
from jinja2.filters import do_center, do_indent, do_replace, do_slice
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Namespace


class ResourceLimit(SecurityError):
    """A template tried to allocate or loop beyond the configured bounds."""


MAX_INT_BITS = 4096  # integers a pitch could need are far smaller
_PADDING_METHODS = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs"})
_DICT_ATTRIBUTES = frozenset(dir(dict))
_PERCENT_WIDTH = re.compile(r"%[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


class _Budget:
    """Loop iterations left for the render under way (one per `range` item)."""

    def __init__(self, iterations: int) -> None:
        self.left = iterations

    def spend(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise ResourceLimit("loop budget exhausted (too many iterations for one message)")


_budget: contextvars.ContextVar[_Budget] = contextvars.ContextVar("render_budget")


def _counted(rng: range) -> Iterator[int]:
    budget = _budget.get(None)
    for i in rng:
        if budget is not None:
            budget.spend(1)
        yield i


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """The environment every template is compiled in; see the module docstring."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(
        self,
        loader: BaseLoader,
        *,
        max_output: int,
        max_iterations: int,
        filters: dict[str, Callable[..., Any]],
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
        )
        self.max_output = max_output
        self.max_iterations = max_iterations
        self.globals["range"] = self._range
        self.globals["namespace"] = _make_namespace(max_output)
        self.filters.update(
            center=self._bounded_width(do_center, "center"),
            indent=self._indent,
            format=self._format,
            replace=self._replace,
            slice=self._slice,
        )
        self.filters.update(filters)

    def start_render(self) -> contextvars.Token[_Budget]:
        """Open a fresh iteration budget; pass the token to `end_render`."""
        return _budget.set(_Budget(self.max_iterations))

    @staticmethod
    def end_render(token: contextvars.Token[_Budget]) -> None:
        _budget.reset(token)

    # --- sizes ------------------------------------------------------------------------

    def _check_size(self, value: Any, what: str) -> None:
        if isinstance(value, str | bytes | list | tuple | dict) and len(value) > self.max_output:
            raise ResourceLimit(f"{what} would exceed {self.max_output} characters/items")
        if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
            raise ResourceLimit(f"{what}: integer too large")

    def _check_width(self, width: Any, what: str) -> None:
        if isinstance(width, int) and abs(width) > self.max_output:
            raise ResourceLimit(f"{what}: width {width} exceeds {self.max_output}")

    # --- operators --------------------------------------------------------------------

    def call_binop(self, context: Context, operator_: str, left: Any, right: Any) -> Any:
        if operator_ == "**":
            self._check_power(left, right)
        elif operator_ == "*":
            self._check_product(left, right)
        elif operator_ == "%" and isinstance(left, str):
            self._check_percent_format(left)
        result = self.binop_table[operator_](left, right)
        self._check_size(result, f"'{operator_}'")
        return result

    def _check_power(self, base: Any, exp: Any) -> None:
        if isinstance(base, int) and isinstance(exp, int) and exp > 0 and abs(base) > 1:
            if exp * abs(base).bit_length() > MAX_INT_BITS:
                raise ResourceLimit(f"{base} ** {exp} is too large")

    def _check_product(self, left: Any, right: Any) -> None:
        for seq, n in ((left, right), (right, left)):
            if isinstance(seq, Sized) and not isinstance(seq, int) and isinstance(n, int):
                if len(seq) * n > self.max_output:
                    raise ResourceLimit(
                        f"repeating {len(seq)} items {n} times exceeds {self.max_output}"
                    )
                return
        if isinstance(left, int) and isinstance(right, int):
            if left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise ResourceLimit("product is too large")

    def _check_percent_format(self, fmt: str) -> None:
        for m in _PERCENT_WIDTH.finditer(fmt):
            for number in m.groups():
                if number == "*" or (number and int(number) > self.max_output):
                    raise ResourceLimit(f"format width {number!r} exceeds {self.max_output}")

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
        if attr in ("format", "format_map") and isinstance(obj, str):
            return False  # every known sandbox escape went through these
        return super().is_safe_attribute(obj, attr, value)

    def call(  # noqa: N805  (Jinja2's own signature: positional-only by convention)
        __self, __context: Context, __obj: Any, *args: Any, **kwargs: Any
    ) -> Any:
        for value in (*args, *kwargs.values()):
            __self._check_size(value, "argument")
        name = getattr(__obj, "__name__", "")
        if isinstance(getattr(__obj, "__self__", None), str):
            if name in _PADDING_METHODS:
                for value in (*args, *kwargs.values()):
                    __self._check_width(value, f"str.{name}")
            elif name == "replace" and args:
                __self._check_replace(__obj.__self__, *args[:2])
        return super().call(__context, __obj, *args, **kwargs)

    def _check_replace(self, text: str, old: Any, new: Any = "") -> None:
        if isinstance(old, str) and isinstance(new, str):
            if (text.count(old) + 1) * len(new) > self.max_output:
                raise ResourceLimit("replace would exceed the output limit")

    # --- bounded globals and filters --------------------------------------------------

    def _range(self, *args: int) -> Iterator[int]:
        rng = range(*args)
        if len(rng) > self.max_iterations:
            raise ResourceLimit(f"range of {len(rng)} items exceeds {self.max_iterations}")
        return _counted(rng)

    def _bounded_width(self, fn: Callable[..., str], name: str) -> Callable[..., str]:
        def bounded(value: Any, *args: Any, **kwargs: Any) -> str:
            self._check_width(args[0] if args else kwargs.get("width"), name)
            return fn(value, *args, **kwargs)

        return bounded

    def _indent(self, value: Any, width: Any = 4, *args: Any, **kwargs: Any) -> str:
        text = str(value)
        pad = len(width) if isinstance(width, str) else width
        if isinstance(pad, int) and pad * (text.count("\n") + 1) > self.max_output:
            raise ResourceLimit(f"indent would exceed {self.max_output} characters")
        return do_indent(text, width, *args, **kwargs)

    def _format(self, value: Any, *args: Any, **kwargs: Any) -> str:
        fmt = str(value)
        self._check_percent_format(fmt)
        return fmt % (kwargs or args)

    def _replace(self, eval_ctx: Any, s: Any, old: str, new: str, count: int | None = None) -> str:
        self._check_replace(str(s), old, new)
        return str(do_replace(eval_ctx, s, old, new, count))

    _replace.jinja_pass_arg = do_replace.jinja_pass_arg  # type: ignore[attr-defined]

    def _slice(self, value: Any, slices: int, fill_with: Any = None) -> Any:
        self._check_width(slices, "slice")
        return do_slice(value, slices, fill_with)


def _make_namespace(limit: int) -> type[Namespace]:
    class BoundedNamespace(Namespace):
        def __setitem__(self, name: str, value: Any) -> None:
            if isinstance(value, str | list | tuple) and len(value) > limit:
                raise ResourceLimit(f"namespace value would exceed {limit} characters/items")
            super().__setitem__(name, value)

    return BoundedNamespace

