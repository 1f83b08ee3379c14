"""Analysis parameters: one frozen dataclass per event type, gathered in :class:`AnalysisConfig`.

Every parameter is settable three ways, with the same names:

* the API: ``AnalysisConfig(gaps=GapParams(min_gap_h=12))`` or
  ``AnalysisConfig().with_overrides({"gaps.min_gap_h": 12})``;
* a TOML file: a table per section, ``[gaps]`` then ``min_gap_h = 12``
  (:func:`load_config`);
* the command line: ``darkfleet analyze STORE --config analysis.toml --set gaps.min_gap_h=12``.

Sections: :data:`SECTIONS` (name → parameter class). The ``[analysis]`` section holds the
run-wide settings of :class:`RunParams` (which ports file, ports of interest, the end of the
observation window for open events). :meth:`AnalysisConfig.to_dict` gives the parameters
actually used, which the event store records next to its tables and the report prints.
"""

from __future__ import annotations

import dataclasses
import importlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import ConfigError

__all__ = ["SECTIONS", "AnalysisConfig", "RunParams", "load_config", "parse_override"]


@dataclass(frozen=True, kw_only=True)
class RunParams:
    """Run-wide settings (TOML section ``[analysis]``)."""

    #: Ports file (NGA WPI CSV, GFW WPI CSV, plain CSV or GeoJSON); empty = the packaged list.
    ports: str = ""
    #: Ports of interest for dark port calls and round trips: port ids or names (case-blind).
    #: Empty = every port.
    ports_of_interest: tuple[str, ...] = ()
    #: End of the observation window (ISO 8601 with zone) for open gaps and visits; empty =
    #: the latest position timestamp in the analysed data.
    analysis_end: str = ""

    def __post_init__(self) -> None:
        if self.analysis_end:
            try:
                t = datetime.fromisoformat(self.analysis_end)
            except ValueError as err:
                raise ConfigError(
                    f"analysis.analysis_end = {self.analysis_end!r} is not ISO 8601; write e.g. "
                    "2024-12-31T23:59:59Z"
                ) from err
            if t.tzinfo is None:
                raise ConfigError(
                    f"analysis.analysis_end = {self.analysis_end!r} has no time zone; add Z."
                )


#: Section name → "module:Class" of its parameter dataclass.
SECTIONS: dict[str, str] = {
    "analysis": "darkfleet.engine.config:RunParams",
    "segments": "darkfleet.tracks.segments:SegmentParams",
    "gaps": "darkfleet.tracks.gaps:GapParams",
    "visits": "darkfleet.tracks.visits:VisitParams",
    "voyages": "darkfleet.tracks.voyages:VoyageParams",
    "draught": "darkfleet.tracks.draught:DraughtParams",
    "dark_calls": "darkfleet.tracks.dark_calls:DarkCallParams",
    "loitering": "darkfleet.tracks.loitering:LoiterParams",
    "encounters": "darkfleet.fleet.encounters:EncounterParams",
    "activity": "darkfleet.fleet.activity:ActivityParams",
}


def _class(section: str) -> type:
    module, _, name = SECTIONS[section].partition(":")
    cls = getattr(importlib.import_module(module), name)
    assert isinstance(cls, type)
    return cls


def _default(section: str) -> Any:
    return _class(section)()


@dataclass(frozen=True, kw_only=True)
class AnalysisConfig:
    """All parameters of one analysis run. Every section defaults to its published defaults."""

    analysis: Any = field(default_factory=lambda: _default("analysis"))
    segments: Any = field(default_factory=lambda: _default("segments"))
    gaps: Any = field(default_factory=lambda: _default("gaps"))
    visits: Any = field(default_factory=lambda: _default("visits"))
    voyages: Any = field(default_factory=lambda: _default("voyages"))
    draught: Any = field(default_factory=lambda: _default("draught"))
    dark_calls: Any = field(default_factory=lambda: _default("dark_calls"))
    loitering: Any = field(default_factory=lambda: _default("loitering"))
    encounters: Any = field(default_factory=lambda: _default("encounters"))
    activity: Any = field(default_factory=lambda: _default("activity"))

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """``{section: {parameter: value}}`` with JSON-friendly values (tuples → lists)."""
        out: dict[str, dict[str, Any]] = {}
        for section in SECTIONS:
            params = getattr(self, section)
            out[section] = {f.name: _plain(getattr(params, f.name)) for f in _fields(params)}
        return out

    def with_overrides(
        self, overrides: Mapping[str, Any], *, origin: str = "override"
    ) -> AnalysisConfig:
        """A copy with ``{"section.parameter": value}`` applied (values of any TOML type)."""
        nested: dict[str, dict[str, Any]] = {}
        for key, value in overrides.items():
            section, dot, name = key.partition(".")
            if not dot or not name:
                raise ConfigError(
                    f"{origin}: {key!r} is not SECTION.PARAMETER; write e.g. gaps.min_gap_h=12 "
                    f"(sections: {', '.join(SECTIONS)})."
                )
            target = nested.setdefault(section, {})
            *parents, leaf = name.split(".")
            for part in parents:  # nested parameter groups: dark_calls.sea.grid_radius_m
                target = target.setdefault(part, {})
            target[leaf] = value
        return self._merge(nested, origin=origin)

    def _merge(self, nested: Mapping[str, Any], *, origin: str) -> AnalysisConfig:
        changes: dict[str, Any] = {}
        for section, values in nested.items():
            if section not in SECTIONS:
                raise ConfigError(
                    f"{origin}: unknown section [{section}]; the sections are: "
                    f"{', '.join(SECTIONS)}."
                )
            if not isinstance(values, Mapping):
                raise ConfigError(f"{origin}: [{section}] must be a table of parameters.")
            current = getattr(self, section)
            known = {f.name: f for f in _fields(current)}
            coerced: dict[str, Any] = {}
            for name, value in values.items():
                if name not in known:
                    raise ConfigError(
                        f"{origin}: [{section}] has no parameter {name!r}; its parameters are: "
                        f"{', '.join(sorted(known))}."
                    )
                coerced[name] = _coerce(
                    value, getattr(current, name), f"{origin}: {section}.{name}"
                )
            try:
                changes[section] = dataclasses.replace(current, **coerced)
            except (TypeError, ValueError) as err:
                raise ConfigError(f"{origin}: [{section}]: {err}") from err
        return dataclasses.replace(self, **changes)


def _fields(params: Any) -> tuple[dataclasses.Field[Any], ...]:
    return tuple(f for f in dataclasses.fields(params) if f.init)


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in _fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, Path):
        return str(value)
    return value


def _coerce(value: Any, current: Any, where: str) -> Any:
    """Bring a TOML / command-line value to the type of the parameter's current value."""
    if dataclasses.is_dataclass(current) and not isinstance(current, type):
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where}: expected a table of parameters, got {value!r}.")
        known = {f.name for f in _fields(current)}
        changes = {}
        for name, item in value.items():
            if name not in known:
                raise ConfigError(
                    f"{where} has no parameter {name!r}; its parameters are: "
                    f"{', '.join(sorted(known))}."
                )
            changes[name] = _coerce(item, getattr(current, name), f"{where}.{name}")
        try:
            return dataclasses.replace(current, **changes)
        except (TypeError, ValueError) as err:
            raise ConfigError(f"{where}: {err}") from err
    if isinstance(current, bool):
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{where} = {value!r}: expected true or false.")
    if isinstance(current, int) and not isinstance(current, bool):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ConfigError(f"{where} = {value!r}: expected a whole number.")
    if isinstance(current, float):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise ConfigError(f"{where} = {value!r}: expected a number.")
    if isinstance(current, str):
        if isinstance(value, str):
            return value
        raise ConfigError(f"{where} = {value!r}: expected a string (in quotes).")
    if isinstance(current, tuple):
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if isinstance(value, list | tuple):
            return tuple(value)
        raise ConfigError(f'{where} = {value!r}: expected a list, e.g. ["a", "b"].')
    if isinstance(current, Mapping) or current is None:
        if isinstance(value, Mapping):
            return {str(k): v for k, v in value.items()}
        if current is None:
            return value
        raise ConfigError(f"{where} = {value!r}: expected a table.")
    return value


def parse_override(text: str) -> tuple[str, Any]:
    """``"gaps.min_gap_h=12"`` → ``("gaps.min_gap_h", 12)``; the value is read as TOML, and
    as a bare string when it is not valid TOML (``ports=wpi.csv``)."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"--set {text!r}: write SECTION.PARAMETER=VALUE, e.g. gaps.min_gap_h=12")
    raw = raw.strip()
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return key.strip(), value


def load_config(
    path: str | Path | None = None, *, overrides: Mapping[str, Any] | None = None
) -> AnalysisConfig:
    """Defaults, then the TOML file at ``path`` (if any), then ``overrides``."""
    config = AnalysisConfig()
    if path is not None:
        p = Path(path)
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError as err:
            raise ConfigError(f"{p}: no such configuration file.") from err
        except tomllib.TOMLDecodeError as err:
            raise ConfigError(f"{p}: not valid TOML: {err}; fix the file and retry.") from err
        except UnicodeDecodeError as err:
            raise ConfigError(f"{p}: not UTF-8 text ({err}).") from err
        config = config._merge(data, origin=str(p))
    if overrides:
        config = config.with_overrides(overrides)
    return config
