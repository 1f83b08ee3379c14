"""Scenario configuration: one frozen dataclass, defaults = the Najin story.

Every field is a keyword argument of :class:`Scenario` and a key of a TOML file read by
:meth:`Scenario.from_toml` (top-level keys or a ``[scenario]`` table; times as TOML
date-times with a zone, TOML dates (midnight UTC) or ISO 8601 strings; ranges as two-element
arrays). Unknown keys and impossible values raise :class:`~darkfleet.errors.ConfigError`.

The scale knobs are :attr:`Scenario.n_decoys` (vessels that are not part of the story) and
:attr:`Scenario.report_interval_s` (seconds between the position reports kept underway;
AIS class A transmits every 2-10 s underway, the simulator thins to this interval).
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from ..errors import ConfigError

__all__ = ["Scenario"]

Range = tuple[float, float]


_START = datetime(2024, 9, 1, tzinfo=UTC)
_END = datetime(2025, 1, 1, tzinfo=UTC)
_SURGE = datetime(2024, 10, 7, tzinfo=UTC)
_RENAME = datetime(2024, 11, 15, tzinfo=UTC)


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """A simulated AIS scenario with ground truth (defaults: Najin ↔ Vostochny, autumn 2024)."""

    #: Name written into the summary.
    name: str = "najin"
    #: Seed of the ``numpy.random.Generator`` streams; same seed → byte-identical files.
    seed: int = 20241001
    #: First instant simulated (UTC). September is the baseline month before the surge.
    start: datetime = _START
    #: End of the simulation (exclusive, UTC).
    end: datetime = _END

    # -- the shuttle story ----------------------------------------------------------------
    #: Port the shuttles are based at (WPI-60725 Vostochnyy).
    home_port: str = "WPI-60725"
    #: Port the shuttles run to (WPI-60510 Najin).
    shuttle_port: str = "WPI-60510"
    #: Shuttle ships; the first is the sanctioned one, the second is renamed/reflagged.
    n_shuttles: int = 6
    #: Shuttles already running before :attr:`surge_date` (the sanctioned one is one of them).
    n_shuttles_before_surge: int = 2
    #: Date from which port activity rises: all shuttles run, more often.
    surge_date: datetime = _SURGE
    #: Mean days between two round trips of one running shuttle before the surge.
    round_trip_days_before: float = 16.0
    #: Mean days between two round trips of one running shuttle from the surge on.
    round_trip_days_after: float = 5.0
    #: Shuttle speed on the crossing, knots (min, max).
    shuttle_speed_kn: Range = (8.5, 11.5)
    #: Hours at berth per port call of a shuttle (min, max).
    shuttle_dwell_h: Range = (14.0, 40.0)
    #: Probability that a round trip goes dark on both crossings (AIS on in both ports).
    p_dark_transit: float = 0.5
    #: Probability that a round trip hides the whole call at :attr:`shuttle_port`.
    p_dark_call: float = 0.25
    #: Hours after leaving the berth (and before reaching the next) with AIS still on (min, max).
    dark_margin_h: Range = (0.3, 1.0)
    #: IMO of the sanctioned shuttle (ANGARA, OFAC SDN).
    sanctioned_imo: int = 9179842
    #: Name the sanctioned shuttle broadcasts.
    sanctioned_name: str = "ANGARA"
    #: From this date the second shuttle changes name, MMSI (flag) and call sign at its next
    #: call at the home port; its IMO stays.
    rename_date: datetime = _RENAME
    #: Draught of the shuttles in ballast and laden, metres.
    shuttle_draught_m: Range = (4.6, 7.8)

    # -- other story elements -------------------------------------------------------------
    #: Ship-to-ship meetings at sea (shared between two pairs of tankers).
    n_encounters: int = 4
    #: Duration of a meeting, hours (min, max).
    encounter_h: Range = (2.0, 6.0)
    #: Distance between the two ships during a meeting, metres (min, max).
    encounter_distance_m: Range = (100.0, 300.0)
    #: Drift speed during a meeting, knots (min, max).
    encounter_speed_kn: Range = (0.2, 0.8)
    #: Loitering events (a slow ship far offshore), spread over two vessels.
    n_loiterings: int = 4
    #: Duration of a loitering event, hours (min, max).
    loiter_h: Range = (4.0, 12.0)
    #: Speed while loitering, knots (min, max).
    loiter_speed_kn: Range = (0.3, 1.5)
    #: Minimum distance from shore of meetings and loitering, km (20 nm = 37 km).
    offshore_min_km: float = 45.0
    #: Maximum distance from shore of meetings and loitering, km.
    offshore_max_km: float = 120.0
    #: Area for meetings and loitering: (lon_min, lat_min, lon_max, lat_max).
    event_area: tuple[float, float, float, float] = (130.4, 40.6, 135.0, 42.6)
    #: Two ships broadcasting one MMSI at the same time, far apart.
    shared_mmsi: bool = True

    # -- decoys ---------------------------------------------------------------------------
    #: Vessels that are not part of the story (scale knob).
    n_decoys: int = 24
    #: Shares of decoy kinds: (port callers, ships passing through, fishing boats).
    decoy_mix: tuple[float, float, float] = (0.5, 0.3, 0.2)
    #: Ports decoys call at (WPI ids); the shuttle port is left out on purpose.
    decoy_ports: tuple[str, ...] = (
        "WPI-60725",
        "WPI-60730",
        "WPI-60610",
        "WPI-60582",
        "WPI-60390",
        "WPI-60410",
        "WPI-60431",
        "WPI-61870",
        "WPI-61850",
        "WPI-61910",
        "WPI-61230",
    )
    #: Cargo ship speed, knots (min, max).
    cargo_speed_kn: Range = (9.0, 14.0)
    #: Hours at berth per port call of a cargo ship (min, max).
    cargo_dwell_h: Range = (12.0, 60.0)

    # -- reporting ------------------------------------------------------------------------
    #: Seconds between kept position reports while moving (scale knob; real class A: 2-10 s).
    report_interval_s: float = 300.0
    #: Seconds between kept position reports while moored or at anchor (real: 180 s).
    moored_interval_s: float = 900.0
    #: Seconds between regular static reports (type 5 / 24); extra ones around port calls.
    static_interval_s: float = 3600.0
    #: Position noise while moving, metres (standard deviation per axis).
    position_noise_m: float = 8.0
    #: Radius of the jitter of a moored ship around its berth, metres.
    berth_jitter_m: float = 300.0
    #: Berths lie at sea within this distance of the port's WPI point, metres.
    berth_radius_m: float = 2000.0
    #: Radius around the port point that every true port call stays within, metres.
    port_radius_m: float = 3000.0

    # -- reception ------------------------------------------------------------------------
    #: Terrestrial receivers (coast stations of :data:`~.geography.STATIONS`).
    terrestrial: bool = True
    #: Multiplies every station's range (1.0 = the table's 40-60 nm).
    station_range_factor: float = 1.0
    #: Probability that a station hears a report well inside its range.
    p_terrestrial: float = 0.95
    #: Mean outages per station per 30 days.
    station_outages_per_month: float = 0.7
    #: Duration of a station outage, hours (min, max).
    station_outage_h: Range = (4.0, 30.0)
    #: Satellite reception.
    satellite: bool = True
    #: Minutes between satellite passes over the area.
    sat_period_min: float = 95.0
    #: Minutes a pass lasts.
    sat_pass_min: float = 10.0
    #: Number of satellite planes, passes evenly phased (1 = one pass per period).
    sat_planes: int = 1
    #: Probability that a vessel is heard at all during a pass.
    p_sat_pass: float = 0.7
    #: Probability that a message is heard, given the vessel is heard during the pass.
    p_sat_message: float = 0.8

    # -- truth ----------------------------------------------------------------------------
    #: Observed gaps shorter than this are not listed in the reception-gap truth, hours.
    truth_min_gap_h: float = 2.0

    def __post_init__(self) -> None:
        for name in ("start", "end", "surge_date", "rename_date"):
            object.__setattr__(self, name, _as_datetime(name, getattr(self, name)))
        if self.end <= self.start:
            raise ConfigError(f"scenario: end {self.end} must be after start {self.start}.")
        if (self.end - self.start).total_seconds() < 86400:
            raise ConfigError("scenario: simulate at least one day (end - start >= 1 day).")
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.type in (
                "Range",
                "tuple[float, float, float]",
                "tuple[float, float, float, float]",
            ):
                value = tuple(float(v) for v in value)
                object.__setattr__(self, f.name, value)
                if f.type == "Range" and (len(value) != 2 or value[0] > value[1] or value[0] < 0):
                    raise ConfigError(
                        f"scenario.{f.name} = {list(value)}: expected [min, max] with "
                        "0 <= min <= max."
                    )
        object.__setattr__(self, "decoy_ports", tuple(str(p) for p in self.decoy_ports))
        _check(self.n_shuttles >= 0, "n_shuttles", self.n_shuttles, ">= 0")
        _check(
            0 <= self.n_shuttles_before_surge <= self.n_shuttles,
            "n_shuttles_before_surge",
            self.n_shuttles_before_surge,
            "between 0 and n_shuttles",
        )
        for name in ("n_encounters", "n_loiterings", "n_decoys"):
            _check(getattr(self, name) >= 0, name, getattr(self, name), ">= 0")
        for name in ("round_trip_days_before", "round_trip_days_after"):
            _check(getattr(self, name) > 0, name, getattr(self, name), "> 0")
        for name in (
            "p_dark_transit",
            "p_dark_call",
            "p_terrestrial",
            "p_sat_pass",
            "p_sat_message",
        ):
            _check(0 <= getattr(self, name) <= 1, name, getattr(self, name), "in [0, 1]")
        _check(
            self.p_dark_transit + self.p_dark_call <= 1,
            "p_dark_call",
            self.p_dark_call,
            "<= 1 - p_dark_transit",
        )
        _check(self.report_interval_s >= 10, "report_interval_s", self.report_interval_s, ">= 10")
        _check(
            self.moored_interval_s >= self.report_interval_s,
            "moored_interval_s",
            self.moored_interval_s,
            ">= report_interval_s",
        )
        _check(self.static_interval_s >= 60, "static_interval_s", self.static_interval_s, ">= 60")
        _check(
            len(self.decoy_mix) == 3 and min(self.decoy_mix) >= 0 and sum(self.decoy_mix) > 0,
            "decoy_mix",
            self.decoy_mix,
            "three non-negative shares, not all 0",
        )
        _check(self.sat_planes >= 1, "sat_planes", self.sat_planes, ">= 1")
        _check(
            0 < self.sat_pass_min <= self.sat_period_min,
            "sat_pass_min",
            self.sat_pass_min,
            "in (0, sat_period_min]",
        )
        _check(
            self.berth_radius_m + self.berth_jitter_m <= self.port_radius_m,
            "port_radius_m",
            self.port_radius_m,
            ">= berth_radius_m + berth_jitter_m",
        )
        _check(
            0 < self.offshore_min_km < self.offshore_max_km,
            "offshore_max_km",
            self.offshore_max_km,
            "> offshore_min_km > 0",
        )
        _check(self.shuttle_draught_m[0] > 0, "shuttle_draught_m", self.shuttle_draught_m, "> 0")
        _check(self.truth_min_gap_h > 0, "truth_min_gap_h", self.truth_min_gap_h, "> 0")

    # -- derived --------------------------------------------------------------------------

    @property
    def start_s(self) -> float:
        """Start as epoch seconds."""
        return self.start.timestamp()

    @property
    def end_s(self) -> float:
        """End as epoch seconds."""
        return self.end.timestamp()

    def replace(self, **changes: Any) -> Scenario:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly parameters (datetimes as ISO 8601, tuples as lists)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            out[f.name] = (
                v.isoformat().replace("+00:00", "Z")
                if isinstance(v, datetime)
                else list(v)
                if isinstance(v, tuple)
                else v
            )
        return out

    @classmethod
    def from_dict(cls, values: dict[str, Any], *, origin: str = "scenario") -> Scenario:
        """A scenario from ``{field: value}`` (unknown keys raise ConfigError)."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(
                f"{origin}: unknown scenario key(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(known))}."
            )
        clean: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in values.items()
        }
        try:
            return cls(**clean)
        except (TypeError, ValueError) as err:
            raise ConfigError(f"{origin}: {err}") from err

    @classmethod
    def from_toml(cls, path: str | Path) -> Scenario:
        """Read a scenario from TOML: top-level keys or a ``[scenario]`` table."""
        p = Path(path)
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except OSError as err:
            raise ConfigError(f"{p}: cannot read the scenario file ({err}).") from err
        except tomllib.TOMLDecodeError as err:
            raise ConfigError(f"{p}: not valid TOML ({err}).") from err
        if "scenario" in data and isinstance(data["scenario"], dict):
            data = data["scenario"]
        return cls.from_dict(data, origin=str(p))


def _check(ok: bool, name: str, value: object, allowed: str) -> None:
    if not ok:
        raise ConfigError(f"scenario.{name} = {value!r} is invalid; allowed: {allowed}.")


def _as_datetime(name: str, value: object) -> datetime:
    if isinstance(value, datetime):
        t = value
    elif isinstance(value, date):
        t = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            t = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as err:
            raise ConfigError(
                f"scenario.{name} = {value!r} is not ISO 8601; write e.g. 2024-10-07 or "
                "2024-10-07T00:00:00Z."
            ) from err
    else:
        raise ConfigError(f"scenario.{name} = {value!r} is not a date or date-time.")
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return t.astimezone(UTC)
