"""The public API: what ``import darkfleet`` promises, and generated code kept current."""

from __future__ import annotations

import inspect

import darkfleet
from darkfleet.io.nmea import codegen


def test_every_public_name_exists_and_is_documented() -> None:
    assert len(darkfleet.__all__) == len(set(darkfleet.__all__))
    for name in darkfleet.__all__:
        obj = getattr(darkfleet, name)
        if name == "__version__":
            assert isinstance(obj, str) and obj.count(".") == 2
            continue
        assert inspect.getdoc(obj), f"darkfleet.{name} has no docstring"


def test_public_functions_are_keyword_friendly() -> None:
    # options after the input are keyword-only: call sites read as sentences
    for name in ("ingest", "scan_source", "read_table", "scan_table"):
        params = list(inspect.signature(getattr(darkfleet, name)).parameters.values())
        positional = [p for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
        assert len(positional) <= 2, f"{name}: {[p.name for p in positional]}"


def test_generated_decoder_matches_the_spec() -> None:
    """``_decoder_generated.py`` is rendered from ``spec.py``; regenerate after editing the
    spec with ``python -m darkfleet.io.nmea.codegen``."""
    assert codegen.GENERATED_PATH.read_text() == codegen.render()
