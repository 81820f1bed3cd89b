"""Dates as people read them in Chinese documents, notices and timelines: 2026年12月3日
(Arabic numerals, as GB/T 9704-2012 7.3.5.1 writes a document's 成文日期)."""

from __future__ import annotations

import datetime as dt


def chinese_date(day: dt.date) -> str:
    """``2026-03-09`` → ``2026年3月9日``."""
    return f"{day.year}年{day.month}月{day.day}日"
