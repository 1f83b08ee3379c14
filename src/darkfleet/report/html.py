"""Safe HTML building for the report: every data string is escaped on the way in.

The report never pastes a data value into markup by hand. :class:`Html` marks text that is
already markup (built here); anything else given to :func:`el`, :func:`attrs` or :func:`join`
is escaped with :func:`html.escape` (``&``, ``<``, ``>``, ``"`` and ``'``). Data for the map
goes into a ``<script type="application/json">`` block through :func:`script_json`, which
escapes ``<``, ``>``, ``&`` and U+2028/U+2029 so that no value (``</script>`` included) can end
the block or be read as markup, whatever the vessel names and destinations hold.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

__all__ = [
    "Html",
    "attrs",
    "el",
    "esc",
    "fmt_num",
    "fmt_time",
    "join",
    "script_json",
    "table",
]


class Html(str):
    """A string that is already safe markup (built by this module, never from raw data)."""

    __slots__ = ()


def esc(value: Any) -> Html:
    """``value`` as safe markup: :class:`Html` as it is, anything else escaped (None → "")."""
    if isinstance(value, Html):
        return value
    if value is None:
        return Html("")
    return Html(html.escape(str(value), quote=True))


def join(parts: Iterable[Any], sep: str = "") -> Html:
    """Escape (where not :class:`Html`) and concatenate."""
    return Html(esc(sep).join(esc(p) for p in parts))


def attrs(values: Mapping[str, Any]) -> Html:
    """`` name="value"`` pairs, values escaped; ``None``/``False`` left out, ``True`` bare."""
    out = []
    for name, value in values.items():
        key = name.rstrip("_").replace("_", "-")
        if value is None or value is False:
            continue
        if value is True:
            out.append(f" {key}")
        else:
            out.append(f' {key}="{esc(value)}"')
    return Html("".join(out))


def el(tag: str, *children: Any, **attributes: Any) -> Html:
    """``<tag attrs>children</tag>`` with every child and attribute value escaped.

    Attribute names: ``class_`` → ``class``, ``data_kind`` → ``data-kind``.
    """
    return Html(f"<{tag}{attrs(attributes)}>{join(children)}</{tag}>")


def fmt_time(value: Any, *, minutes: bool = True) -> str:
    """A UTC timestamp as ``2024-10-09 14:05Z`` (``2024-10-09`` for a date; "" for None)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%MZ" if minutes else "%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def fmt_num(value: Any, digits: int = 1) -> str:
    """Thousands separators for ints, ``digits`` decimals for floats, "" for None/NaN."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        return f"{value:,.{digits}f}"
    return str(value)


def _sort_key(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return repr(float(value)) if math.isfinite(float(value)) else None
    if isinstance(value, datetime | date):
        return value.isoformat()
    return None


def table(
    columns: list[tuple[str, str]],
    rows: Iterable[Mapping[str, Any]],
    *,
    id_: str | None = None,
    row_attrs: Any = None,
    cell: Any = None,
    sortable: bool = True,
    filterable: bool = False,
    caption: str | None = None,
) -> Html:
    """A ``<table>``: ``columns`` is ``[(key, header)]``; ``rows`` dicts.

    ``cell(key, row)`` may return :class:`Html` (or None to use the default formatting);
    ``row_attrs(row)`` a dict of attributes for the ``<tr>``. Sortable tables get
    ``data-sort`` values on numeric and time cells (read by the report's script).
    """
    head = join(el("th", label, scope="col", data_key=key) for key, label in columns)
    body: list[Html] = []
    for row in rows:
        cells = []
        for key, _ in columns:
            value = row.get(key)
            content = cell(key, row) if cell is not None else None
            if content is None:
                if isinstance(value, datetime | date):
                    content = esc(fmt_time(value))
                elif isinstance(value, float | int):
                    content = esc(fmt_num(value))
                else:
                    content = esc(value)
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            cells.append(
                el("td", content, data_sort=_sort_key(value), class_="num" if numeric else None)
            )
        extra = row_attrs(row) if row_attrs is not None else {}
        body.append(el("tr", join(cells), **extra))
    classes = "data" + (" sortable" if sortable else "") + (" filterable" if filterable else "")
    cap = el("caption", caption) if caption else Html("")
    return el(
        "table",
        cap,
        el("thead", el("tr", head)),
        el("tbody", join(body)),
        id=id_,
        class_=classes,
    )


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


_SCRIPT_ESCAPES = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


def script_json(value: Any) -> Html:
    """``value`` as JSON safe to place inside ``<script type="application/json">``.

    NaN and infinities become null; ``<``, ``>``, ``&``, U+2028 and U+2029 are written as
    ``\\uXXXX`` escapes (still the same JSON value), so the text can hold no tag and no
    line terminator that breaks a script.
    """
    try:
        text = json.dumps(
            value, ensure_ascii=False, separators=(",", ":"), default=_default, allow_nan=False
        )
    except ValueError:  # a NaN or infinity somewhere: replace them (slower, rare)
        text = json.dumps(
            _finite(value), ensure_ascii=False, separators=(",", ":"), default=_default
        )
    return Html(text.translate(_SCRIPT_ESCAPES))


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value
