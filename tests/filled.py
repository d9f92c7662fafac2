"""A campaign's own blank template, filled in as a clerk fills it (rows from row 4, numbered), as
the bytes of the .xlsx they send: the shared helper of the campaign tests."""

from __future__ import annotations

import io

from schemas.campaign import Campaign


def filled_template(
    campaign: Campaign, form: str, rows: list[list[object]], unit: str, *, title: str | None = None
) -> bytes:
    """`rows` under the header of `form`'s template, its 填报单位 line naming `unit`; `title`
    replaces the title line (a clerk's own wording, a period written in it)."""
    from tasks.intake.templates import template

    wb = template(campaign.form(form), campaign, unit=unit)
    ws = wb.worksheets[0]
    if title is not None:
        ws["A1"] = title
    for i, row in enumerate(rows, 4):
        for j, value in enumerate([i - 3, *row], 1):
            ws.cell(i, j, value)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
