"""Statistics per unit for a period: the shared pure rules (``shared/unit_stats.py``), which
the reporting service's bulletins use too, so both count alike."""

from shared.unit_stats import COUNTS, EARLIEST, LATEST, LONGEST_DAYS, BadPeriod, Period, rate, table, totals

__all__ = ["COUNTS", "EARLIEST", "LATEST", "LONGEST_DAYS", "BadPeriod", "Period", "rate", "table", "totals"]
