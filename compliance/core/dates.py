"""The range of dates the records can hold, shared by every write path and filter."""

from __future__ import annotations

import datetime as dt

# Dates before or after these are refused rather than sent to the database.
EARLIEST = dt.date(1800, 1, 1)
LATEST = dt.date(2200, 12, 31)
