"""Small XML helpers shared by the XML list readers (namespace-agnostic, with line numbers)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from ...errors import FormatError

__all__ = ["child_text", "children", "element_lines", "parse_xml"]


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def child_text(el: ET.Element, name: str) -> str | None:
    for c in el:
        if local(c.tag) == name:
            return (c.text or "").strip() or None
    return None


def children(el: ET.Element, *path: str) -> list[ET.Element]:
    nodes = [el]
    for name in path:
        nodes = [c for n in nodes for c in n if local(c.tag) == name]
    return nodes


def parse_xml(path: Path, text: str, root_name: str) -> ET.Element:
    """Parse XML text, raising FormatError with the line of a syntax error or a wrong root."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as err:
        line, col = err.position
        what = re.sub(r":\s*line \d+, column \d+$", "", str(err))
        raise FormatError(
            f"{path}: line {line}, column {col}: malformed XML ({what}); expected a complete "
            f"<{root_name}> document. Is the file truncated? Download it again."
        ) from err
    if local(root.tag) != root_name:
        raise FormatError(
            f"{path}: line 1: expected an XML document with root <{root_name}>, found "
            f"<{local(root.tag)}>."
        )
    return root


def element_lines(text: str, tag: str) -> list[int]:
    """1-based line numbers of each opening ``<tag>`` (any namespace prefix), in order."""
    lines = []
    pos_line, last = 1, 0
    for m in re.finditer(rf"<(?:\w+:)?{tag}[\s>]", text):
        pos_line += text.count("\n", last, m.start())
        last = m.start()
        lines.append(pos_line)
    return lines
