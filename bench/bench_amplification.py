"""What one small, expanding file costs the intake process (issue 23, point 3).

    .venv/bin/python bench/bench_amplification.py

Each figure is printed beside a bare baseline measured the same way in the same run: the
command, in a process of its own, with its wall time and its own peak RSS (VmHWM of that process
only, polled from /proc; the reader children are not counted, they have their own limit).
- `duban validate` of a 5 KB .xlsx with a text merged over A3:Z100000 (2.6 million cells), and of
  an HTML table whose cells span 30,000 rows, beside a good one-row 附表3 (targets: < 10 s, < 400 MB);
- `duban validate` and `duban submit` of a 附表3 whose text is merged over 494,000 cells, just under
  the reader's caps: it is judged (an error in most cells), so it shows what the time budget bounds;
- `duban intake` of three such .xlsx files, beside three good ones (target: < 30 s in all).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def peak_rss(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(seconds, peak RSS in MB of the command's own process, exit status)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while proc.poll() is None:
        try:
            with open(f"/proc/{proc.pid}/status") as f:
                hwm = next((line for line in f if line.startswith("VmHWM:")), "")
            peak = max(peak, int(hwm.split()[1]) if hwm else 0)
        except (OSError, ValueError):
            pass
        time.sleep(0.02)
    return time.perf_counter() - started, peak / 1024, proc.returncode


def duban(home: Path, *args: str) -> tuple[float, float, int]:
    env = {**os.environ, "DUBAN_HOME": str(home)}
    env.pop("DUBAN_DATABASE_URL", None)
    return peak_rss([sys.executable, "-m", "flows.cli", *args], env)


def line(what: str, got: tuple[float, float, int], base: tuple[float, float, int], target: str) -> None:
    print(
        f"{what:<44} {got[0]:6.2f} s {got[1]:7.0f} MB (exit {got[2]})   "
        f"baseline {base[0]:5.2f} s {base[1]:5.0f} MB   target {target}"
    )


def main() -> None:
    from notifications.capture import free_port, start_capture
    from tests.tasks.intake.amplified import merged_form_xlsx, merged_text_xlsx, rowspan_html
    from tests.tasks.intake.files import messy_workbook, need_row

    good = messy_workbook("tech-needs", [need_row(0)], unit="清河区")
    merged, spans = merged_text_xlsx(), rowspan_html()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "var"
        port = free_port()
        start_capture(home / "mail", port=port)
        os.environ["DUBAN_SMTP_PORT"] = str(port)
        files = {
            "good.xlsx": good,
            "merged.xlsx": merged,
            "spans.xls": spans,
            "附表3_清河区_第1批.xlsx": merged_form_xlsx(),
        }
        for name, data in files.items():
            (Path(tmp) / name).write_bytes(data)
        print(f"files: merged .xlsx {len(merged) / 1024:.1f} KB, rowspan .xls {len(spans) / 1024:.1f} KB")
        base = duban(home, "validate", str(Path(tmp) / "good.xlsx"), "--json")
        line(
            "validate: text merged over 2.6 M cells",
            duban(home, "validate", str(Path(tmp) / "merged.xlsx"), "--json"),
            base,
            "< 10 s, < 400 MB",
        )
        line(
            "validate: HTML rowspans, 1.8 M cells",
            duban(home, "validate", str(Path(tmp) / "spans.xls"), "--json"),
            base,
            "< 10 s, < 400 MB",
        )
        worst = str(Path(tmp) / "附表3_清河区_第1批.xlsx")
        line(
            "validate: a 附表3 merged just under the caps",
            duban(home, "validate", worst, "--json"),
            base,
            "(judged: the budget's case)",
        )
        line(
            "submit: the same, annotated and recorded",
            duban(home, "submit", worst, "--json"),
            base,
            f"< {_budget():.0f} s budget + reading",
        )
        line("intake: three merged files", _intake(home / "bad", True), _intake(home / "good", False), "< 30 s in all")


def _budget() -> float:
    from config.settings import Settings

    return Settings(_env_file=None).read_budget_seconds  # type: ignore[call-arg]


def _intake(home: Path, bad: bool) -> tuple[float, float, int]:
    from tests.tasks.intake.amplified import merged_text_xlsx
    from tests.tasks.intake.files import messy_workbook, need_row

    inbox = home / "inbox"
    inbox.mkdir(parents=True)
    for i, unit in enumerate(("清河区", "清浦区", "淮阴区")):
        body = merged_text_xlsx(unit=unit) if bad else messy_workbook("tech-needs", [need_row(i)], unit=unit)
        (inbox / f"附表3_{unit}_第1批.xlsx").write_bytes(body)
    return duban(home, "intake", "--json")


if __name__ == "__main__":
    main()
