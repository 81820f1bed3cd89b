"""What a restricted script can reach: a few builtins for plain data, and the guards.

RestrictedPython rewrites every attribute read (``_getattr_``), item read (``_getitem_``),
iteration (``_getiter_``), write target (``_write_``), augmented assignment
(``_inplacevar_``), sequence unpacking and ``f(*args, **kwargs)`` call (``_apply_``) into a
call of these guards. Attributes are a whitelist of methods of plain data types; nothing
starting with ``_`` is ever returned, and no attribute of a function, type, exception,
generator or module (the escapes RestrictedPython's advisories describe: frames of
generators, ``string.Formatter``, ``AttributeError.obj``, exception groups).

RestrictedPython leaves ``sorted``, ``tuple`` and ``zip`` out of its safe builtins because
they iterate in C, past ``_getiter_``. Here ``_getiter_`` only checks the type and the
protection is the attribute whitelist, so what they iterate over (plain data, the only
iterables a script reaches) gives nothing more.
"""

from __future__ import annotations

import operator
import types
from collections.abc import Callable
from typing import Any

from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence

DATA_TYPES = (dict, list, tuple, str, int, float, bool, type(None))

_STR = ("capitalize", "casefold", "center", "count", "endswith", "find", "index", "isalnum", "isalpha",
        "isdecimal", "isdigit", "islower", "isnumeric", "isspace", "istitle", "isupper", "join", "ljust", "lower",
        "lstrip", "partition", "removeprefix", "removesuffix", "replace", "rfind", "rindex", "rjust",
        "rpartition", "rsplit", "rstrip", "split", "splitlines", "startswith", "strip", "swapcase", "title",
        "upper", "zfill")  # no format/format_map: a format string reads attributes ("{0.__class__}")
ALLOWED_ATTRIBUTES: dict[type, frozenset[str]] = {
    dict: frozenset({"get", "keys", "values", "items", "copy", "pop", "popitem", "setdefault", "update", "clear"}),
    list: frozenset({"append", "extend", "insert", "pop", "remove", "index", "count", "sort", "reverse", "copy",
                     "clear"}),
    tuple: frozenset({"index", "count"}),
    str: frozenset(_STR),
    float: frozenset({"is_integer"}),
}
ITERABLE_TYPES = frozenset({dict, list, tuple, str, set, frozenset, range, enumerate, zip, types.GeneratorType,
                            type({}.keys()), type({}.values()), type({}.items())})
WRITABLE_TYPES = (dict, list)
INPLACE = {"+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
           "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow, "|=": operator.ior,
           "&=": operator.iand, "^=": operator.ixor, "<<=": operator.ilshift, ">>=": operator.irshift}

MAX_ITEMS = 10_000  # a range, a repeated list or string: a step works on an item's data, not on millions
MAX_EXPONENT = 128


def bounded_range(*args: int) -> range:
    span = range(*args)
    if len(span) > MAX_ITEMS:
        raise AccessRefused(f"range of {len(span)} numbers: scripts may loop over at most {MAX_ITEMS}")
    return span


SAFE_BUILTINS: dict[str, Any] = {
    "None": None, "True": True, "False": False, "range": bounded_range,
    **{f.__name__: f for f in (abs, all, any, bool, dict, enumerate, float, int, isinstance, len, list, max, min,
                               round, sorted, str, sum, tuple, zip, divmod)},
    **{e.__name__: e for e in (Exception, ArithmeticError, LookupError, KeyError, IndexError, NameError, TypeError,
                               ValueError, ZeroDivisionError)},
}


SCALARS = (str, int, float, bool, type(None))
MAX_DEPTH = 32


def is_plain(value: Any, depth: int = 0) -> bool:
    """Whether ``value`` is data the serializer stores: scalars in dicts, lists, tuples and sets."""
    kind = type(value)
    if kind in SCALARS:
        return True
    if depth > MAX_DEPTH:
        return False
    if kind is dict:
        return all(type(k) in SCALARS and is_plain(v, depth + 1) for k, v in value.items())
    return kind in (list, tuple, set, frozenset) and all(is_plain(v, depth + 1) for v in value)


class AccessRefused(Exception):
    """The sandbox refused an attribute, item, iteration or write at run time."""


def _kind(obj: Any) -> str:
    return type(obj).__name__


PADDING = frozenset({"center", "ljust", "rjust", "zfill"})


def guarded_getattr(obj: Any, name: str) -> Any:
    if type(name) is not str or name.startswith("_"):
        raise AccessRefused(f"attribute {name!r} is not available (no attribute starting with _)")
    if name not in ALLOWED_ATTRIBUTES.get(type(obj), ()):
        raise AccessRefused(f"attribute {name!r} of {_kind(obj)} is not available in scripts")
    method = getattr(obj, name)
    return _bounded_padding(method) if name in PADDING else method


def _bounded_padding(method: Callable[..., str]) -> Callable[..., str]:
    def padded(width: int, *args: Any) -> str:
        if isinstance(width, int) and width > MAX_ITEMS:
            raise AccessRefused(f"a width of {width}: at most {MAX_ITEMS} in scripts")
        return method(width, *args)

    return padded


def guarded_getitem(obj: Any, key: Any) -> Any:
    if type(obj) not in (dict, list, tuple, str):
        raise AccessRefused(f"items of {_kind(obj)} are not available in scripts")
    return obj[key]


def guarded_getiter(obj: Any) -> Any:
    if type(obj) not in ITERABLE_TYPES:
        raise AccessRefused(f"{_kind(obj)} cannot be iterated in scripts")
    return obj


def guarded_write(obj: Any) -> Any:
    if type(obj) not in WRITABLE_TYPES:
        raise AccessRefused(f"{_kind(obj)} cannot be changed in scripts (only dict and list items)")
    return obj


def guarded_inplacevar(op: str, target: Any, value: Any) -> Any:
    if op not in INPLACE or type(target) not in DATA_TYPES:
        raise AccessRefused(f"'{op}' on {_kind(target)} is not available in scripts")
    if op == "**=":
        return guarded_pow(target, value)
    if op == "*=":
        return guarded_mul(target, value)
    return INPLACE[op](target, value)


def guarded_pow(base: Any, exponent: Any) -> Any:
    """``**`` with an exponent a deadline or a score needs, not one that fills the memory."""
    if isinstance(exponent, int) and abs(exponent) > MAX_EXPONENT:
        raise AccessRefused(f"exponent {exponent}: at most {MAX_EXPONENT} in scripts")
    return base ** exponent


def guarded_mul(a: Any, b: Any) -> Any:
    """``*``; a repeated string, list or tuple holds at most ``MAX_ITEMS`` items."""
    for sequence, times in ((a, b), (b, a)):
        if isinstance(sequence, (str, list, tuple)) and isinstance(times, int):
            if len(sequence) * times > MAX_ITEMS:
                raise AccessRefused(f"a repeated {_kind(sequence)} of {len(sequence) * times} items: "
                                    f"at most {MAX_ITEMS} in scripts")
    return a * b


def guarded_apply(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return function(*args, **kwargs)


GUARDS: dict[str, Any] = {
    "_getattr_": guarded_getattr,
    "_getitem_": guarded_getitem,
    "_getiter_": guarded_getiter,
    "_write_": guarded_write,
    "_inplacevar_": guarded_inplacevar,
    "_apply_": guarded_apply,
    "_pow_": guarded_pow,
    "_mul_": guarded_mul,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
}
