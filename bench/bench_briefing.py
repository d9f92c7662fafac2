"""Briefing speed: a monthly briefing for 100 units with a full campaign of data — indicators,
trends, HTML, charts and PDF — target under 3 s.

    .venv/bin/python bench/bench_briefing.py [UNITS]
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    units = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    from bench.bench_sweep import national_campaign
    from config.settings import Settings
    from schemas.store import open_store
    from schemas.tables import Obligation, Submission, Unit
    from tasks.app.open import App
    from tasks.briefing import job
    from tasks.calendar.sync import sync_campaign
    from tasks.intake import rows

    rnd = random.Random(2010)
    campaign = national_campaign(units)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(home=Path(tmp), _env_file=None)
        store = open_store(settings.db_url, home=settings.home)
        with store.session(write=True) as s:
            sync_campaign(s, campaign, now=datetime(2010, 6, 1))
            obligations = s.execute(
                __import__("sqlalchemy").select(Obligation.unit_id, Obligation.form, Obligation.period, Obligation.due)
            ).all()
            files: dict[tuple, date] = {}  # one file per (unit, form, period), however many obligations it meets
            for unit_id, form, period, due in obligations:
                files[unit_id, form, period] = min(due, files.get((unit_id, form, period), due))
            for (unit_id, form, period), due in sorted(files.items()):
                if rnd.random() < 0.15 or due > date(2010, 9, 20):
                    continue  # some never send, and the last deadlines are still ahead
                when = datetime.combine(due, datetime.min.time()) + timedelta(days=rnd.randint(-5, 4), hours=10)
                sub = Submission(
                    campaign=campaign.id,
                    sha256=f"{unit_id}{form}{period}",
                    filename="x.xlsx",
                    size=1,
                    received_at=when,
                    unit_id=unit_id,
                    form=form,
                    period=period,
                    status="accepted",
                )
                s.add(sub)
                s.flush()
                if form == "negotiations":
                    records = [
                        {
                            "row_number": i + 5,
                            "project": f"项目{i}",
                            "enterprise": f"企业{i}",
                            "institution": "淮阴工学院",
                            "contact_date": due - timedelta(days=30),
                            "status": rnd.choice(["洽谈中", "已签约"]),
                            "signed_date": due - timedelta(days=rnd.randint(1, 25)),
                            "amount_wan": rnd.randint(50, 900),
                            "cooperation_mode": "合作开发",
                            "academician": rnd.random() < 0.1,
                        }
                        for i in range(12)
                    ]
                else:
                    records = [
                        {
                            "row_number": i + 5,
                            "enterprise": f"企业{i}",
                            "sales_wan": 3000,
                            "is_tech_enterprise": True,
                            "need_name": f"需求{i}",
                            "need_type": "技术需求",
                            "field": "新材料",
                            "description": "需求描述" * 5,
                            "cooperation_mode": "合作开发",
                            "contact": "张三",
                            "phone": "13805170101",
                        }
                        for i in range(20)
                    ]
                rows.store(s, campaign.form(form), sub, unit_id, records)
            n_units = s.scalar(__import__("sqlalchemy").select(__import__("sqlalchemy").func.count()).select_from(Unit))
        app = App(settings, campaign, store)
        job.compile_briefing(app, date(2010, 9, 26), out=Path(tmp) / "warm")  # imports, font cache, WeasyPrint setup
        runs = []
        for i in range(3):
            t = time.perf_counter()
            c = job.compile_briefing(app, date(2010, 9, 26), out=Path(tmp) / f"b{i}")
            runs.append(time.perf_counter() - t)
        stages = _stages(app, date(2010, 9, 26))
        print(
            f"{n_units} units, {len(obligations)} obligations: monthly briefing (figures + charts + HTML + PDF, "
            f"{c.pages} pages) best {min(runs):.2f} s, worst {max(runs):.2f} s (target < 3 s)"
        )
        print("  one more run, by stage: " + ", ".join(f"{k} {v:.2f} s" for k, v in stages.items()))


def _stages(app, as_of: date) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Where a briefing's time goes: the same steps as compile_briefing, timed one by one."""
    from weasyprint import HTML

    from tasks.briefing import render
    from tasks.briefing.figures import gather

    t = [time.perf_counter()]
    with app.store.session() as s:
        d = gather(s, app.campaign, as_of)
    t.append(time.perf_counter())
    c = render.charts(d)
    t.append(time.perf_counter())
    with tempfile.TemporaryDirectory() as out:
        for name, png in zip([*c.names()["completeness"], *c.names()["trends"]], c.images(), strict=True):
            Path(out, f"{name}.png").write_bytes(png)
        page = render.html(d, {k: [f"{n}.png" for n in v] for k, v in c.names().items()}, print=True)
        t.append(time.perf_counter())
        doc = HTML(string=page, base_url=out).render()
        t.append(time.perf_counter())
        doc.write_pdf(Path(out) / "b.pdf")
        t.append(time.perf_counter())
    names = ["figures (store)", "charts", "HTML", "PDF layout", "PDF write (font subsetting)"]
    return {n: b - a for n, a, b in zip(names, t, t[1:], strict=False)}


if __name__ == "__main__":
    main()
