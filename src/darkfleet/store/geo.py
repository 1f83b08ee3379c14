"""GeoPandas on request: the optional ``geo`` extra."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from ..errors import ConfigError, DarkfleetError

__all__ = ["to_geopandas"]


def to_geopandas(
    frame: pl.DataFrame, *, lon: str = "lon", lat: str = "lat", crs: str = "EPSG:4326"
) -> Any:
    """``frame`` as a GeoDataFrame of points (``None`` where lon or lat is null).

    Needs the optional ``geo`` extra: ``pip install 'darkfleet[geo]'``.
    """
    try:
        import geopandas
        import shapely
    except ImportError as err:
        raise DarkfleetError(
            "to_geopandas needs geopandas, which is not installed: pip install 'darkfleet[geo]'"
        ) from err
    missing = [c for c in (lon, lat) if c not in frame.columns]
    if missing:
        raise ConfigError(f"to_geopandas: the frame has no column {missing}; pass lon=, lat=.")
    x = frame.get_column(lon).cast(pl.Float64).to_numpy()
    y = frame.get_column(lat).cast(pl.Float64).to_numpy()
    known = ~(np.isnan(x) | np.isnan(y))
    points = np.where(known, shapely.points(np.where(known, x, 0.0), np.where(known, y, 0.0)), None)
    return geopandas.GeoDataFrame(frame.to_pandas(), geometry=points, crs=crs)
