"""Benchmark: a month's bulletin of 10,000 items across 60 units, figures and document.

Makes the items (seeded), folds them into a ``BulletinDoc`` (a plain aggregation standing
in for the bulletins service's figures), renders the .docx (chart included) and, where
LibreOffice is installed, the PDF. Prints the times; the goal is figures + .docx < 5 s.

    .venv/bin/python bench/bulletin_document.py [--items 10000] [--units 60] [--out /tmp/bulletin]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.reporting.documents import (  # noqa: E402
    BulletinDoc,
    OverdueItem,
    PdfUnavailable,
    Remark,
    UnitRow,
    render_bulletin,
    to_pdf,
)

DEPARTMENTS = (
    "发展改革委", "教育局", "科技局", "工业和信息化局", "公安局", "民政局", "司法局", "财政局", "人力资源社会保障局",
    "自然资源局", "生态环境局", "住房城乡建设局", "交通运输局", "水务局", "农业农村局", "商务局", "文化旅游广电局",
    "卫生健康委", "退役军人事务局", "应急管理局", "审计局", "国资委", "市场监管局", "体育局", "统计局", "医保局",
    "城市管理综合行政执法局", "营商环境建设局", "信访局", "林业和草原局",
)
COUNTIES = ("铁东区", "铁西区", "立山区", "千山区", "海城市", "台安县", "岫岩满族自治县", "高新区")
SOURCES = ("领导批示", "政府常务会议", "人大代表建议", "政协委员提案", "12345热线", "专项督查")
STATUSES = ("已办结", "办理中", "已逾期", "已退回", "重新办理")


def unit_names(n: int) -> list[str]:
    names = [f"市{d}" for d in DEPARTMENTS] + [f"{c}人民政府" for c in COUNTIES]
    names += [f"市直单位{i}" for i in range(len(names) + 1, n + 1)]
    return names[:n]


def make_items(n: int, units: list[str], month_start: date, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    items = []
    for i in range(n):
        due = month_start + timedelta(days=rng.randrange(0, 40))
        status = rng.choices(STATUSES, weights=(70, 18, 6, 3, 3))[0]
        items.append({
            "code": f"DB2026{i + 1:05d}", "title": f"关于落实第{i + 1}项督办事项的办理",
            "unit": rng.choice(units), "source": rng.choice(SOURCES), "status": status, "due": due,
            "on_time": status == "已办结" and rng.random() < 0.9,
        })
    return items


def figures(items: list[dict], month_start: date) -> BulletinDoc:
    by_unit: dict[str, Counter] = {}
    for it in items:
        c = by_unit.setdefault(it["unit"], Counter())
        c["assigned"] += 1
        c["closed"] += it["status"] == "已办结"
        c["on_time"] += it["on_time"]
        c["overdue"] += it["status"] == "已逾期"
        c["returned"] += it["status"] == "已退回"
        c["reopened"] += it["status"] == "重新办理"
    rates = {u: (c["on_time"] / c["closed"] if c["closed"] else 0.0) for u, c in by_unit.items()}
    ranked = sorted(by_unit, key=lambda u: (-rates[u], u))
    rows = tuple(
        UnitRow(u, c["assigned"], c["closed"], c["on_time"], c["overdue"], c["returned"], c["reopened"], rates[u], i)
        for i, u in enumerate(ranked, start=1)
        for c in [by_unit[u]]
    )
    overdue = tuple(OverdueItem(it["code"], it["title"], it["unit"], it["due"]) for it in items if it["status"] == "已逾期")
    return BulletinDoc(
        kind="通报", office="鞍山市人民政府督查室", number="鞍政督通〔2026〕3号",
        title=f"关于{month_start.year}年{month_start.month}月份督办事项办理情况的通报",
        issued=date(2026, 12, 3), period=f"{month_start.year}年{month_start.month}月",
        summary=("为推动市委、市政府重大决策部署落地见效，市政府督查室对本月督办事项办理情况进行了跟踪督查。现将有关情况通报如下。",),
        totals_by_source=dict(Counter(it["source"] for it in items)),
        totals_by_status=dict(Counter(it["status"] for it in items)),
        units=rows,
        praised=tuple(Remark(r.unit, ("按期办结率位居前列", "办理质量高、反馈及时")) for r in rows[:3]),
        criticised=tuple(Remark(r.unit, ("按期办结率偏低", "存在逾期未办结事项")) for r in rows[-2:]),
        overdue=overdue,
        addressee="各县（市）区人民政府，市政府各部门，各直属机构：",
        copy_to=("市委办公室", "市人大常委会办公室", "市政协办公室"),
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--units", type=int, default=60)
    parser.add_argument("--out", type=Path, default=None, help="write OUT.docx (and OUT.pdf where LibreOffice is)")
    args = parser.parse_args()
    month = date(2026, 11, 1)
    items = make_items(args.items, unit_names(args.units), month)
    t0 = time.perf_counter()
    bulletin = figures(items, month)
    t1 = time.perf_counter()
    document = render_bulletin(bulletin)
    t2 = time.perf_counter()
    print(f"items {args.items}  units {len(bulletin.units)}  overdue rows {len(bulletin.overdue)}")
    print(f"figures  {t1 - t0:6.3f} s")
    print(f"docx     {t2 - t1:6.3f} s  ({len(document) / 1024:.0f} KiB)")
    print(f"total    {t2 - t0:6.3f} s  (goal < 5 s)")
    try:
        pdf = to_pdf(document, timeout=120)
        print(f"pdf      {time.perf_counter() - t2:6.3f} s  ({len(pdf) / 1024:.0f} KiB, LibreOffice)")
    except PdfUnavailable as exc:
        pdf = None
        print(f"pdf      unavailable: {exc}")
    if args.out:
        args.out.with_suffix(".docx").write_bytes(document)
        if pdf:
            args.out.with_suffix(".pdf").write_bytes(pdf)


if __name__ == "__main__":
    main()
