"""Reading what counties really send, and refusing what is unsafe, before parsing it."""

import io
import struct
import zipfile
from datetime import date

import msoffcrypto.format.ooxml
import pytest
import xlwt
from openpyxl import Workbook

from config.settings import CAMPAIGNS_DIR
from schemas.loading import load_campaign
from tasks.intake.validate import inspect_file
from tasks.reader.read import read_sheets
from tasks.reader.sheet import Limits, Unreadable, decode_text
from tests.tasks.intake.files import csv_bytes, messy_workbook, need_row

pytestmark = [pytest.mark.integration]

CAMPAIGN = load_campaign(CAMPAIGNS_DIR / "huaian-2010.yaml")
LIMITS = Limits(max_bytes=20_000_000, max_expanded=200_000_000)


def verdict(data: bytes, name: str, **kw):
    return inspect_file(data, name, CAMPAIGN, received=date(2010, 7, 1), **kw)


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig"])
def test_csv_in_every_encoding_counties_use(encoding):
    v = verdict(csv_bytes("tech-needs", [need_row(0)], encoding=encoding), "附表3_淮阴区_第1批.csv")
    assert (v.status, v.unit, v.form, v.period) == ("accepted", "淮阴区", "tech-needs", "第1批")
    assert v.records[0]["enterprise"] == "淮安市华达电子有限公司"


def test_encoding_is_decided_not_guessed():
    assert decode_text("涟水县".encode("gbk")) == "涟水县"
    assert decode_text(b"\xef\xbb\xbf" + "涟水县".encode()) == "涟水县"
    with pytest.raises(Unreadable, match="编码"):
        decode_text(b"\x81\x30\xff\xfe\xfd\x80\x80")


def test_legacy_xls():
    wb = xlwt.Workbook()
    ws = wb.add_sheet("需求表", cell_overwrite_ok=True)
    ws.write(0, 0, "附表3：2010淮安科技洽谈会技术难题和需求征集表")
    ws.write(1, 0, "填报单位（盖章）：涟水县科技局")
    for j, h in enumerate(["序号", *[c.template_header for c in CAMPAIGN.form("tech-needs").columns]]):
        ws.write(2, j, h)
    for j, val in enumerate(["1", *need_row(0)]):
        ws.write(3, j, val)
    ws.write(3, 3, 2500.0)  # a real number cell, as Excel stores it
    buf = io.BytesIO()
    wb.save(buf)
    v = verdict(buf.getvalue(), "需求.xls")
    assert (v.status, v.unit, v.form) == ("accepted", "涟水县", "tech-needs")
    assert v.records[0]["sales_wan"] == 2500.0 and v.records[0]["row_number"] == 4


def test_messy_workbook_with_instructions_sheet_merged_title_blank_rows_and_note():
    v = verdict(messy_workbook("tech-needs", [need_row(0), need_row(1), need_row(2)]), "提交.xlsx")
    assert v.status == "accepted", v.issues
    assert (v.sheet, v.header_row, v.unit) == ("Sheet1", 4, "清河区")
    assert [r["row_number"] for r in v.records] == [5, 7, 8]  # a blank row after the first
    assert v.headers["sales_wan"] == "上年销售收入（万元）"


def test_merged_cells_apply_to_every_row_they_span():
    data = messy_workbook(
        "tech-needs",
        [need_row(0), need_row(1), need_row(2, enterprise="", need_name="废水处理工艺")],
        instructions_sheet=False,
    )
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    wb.active.merge_cells("B7:B8")  # one enterprise, two needs: 企业名称 merged over rows 7-8
    buf = io.BytesIO()
    wb.save(buf)
    v = verdict(buf.getvalue(), "x.xlsx")
    assert v.status == "accepted", v.issues
    assert [r["enterprise"] for r in v.records][1:] == ["淮安市华达电子有限公司1"] * 2


def test_zero_bytes_random_bytes_and_oversize():
    assert verdict(b"", "a.xlsx").issues[0].code == "empty-file"
    assert verdict(bytes(range(256)) * 40, "a.xlsx").issues[0].code == "not-a-workbook"
    big = verdict(b"x" * 2000, "a.csv", limits=Limits(max_bytes=1000))
    assert big.unreadable and big.issues[0].code == "too-large"


def test_zip_bomb_refused_from_declared_sizes_before_expanding():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"0" * 50_000_000)  # compresses to ~50 KB
    data = buf.getvalue()
    assert len(data) < 200_000
    with pytest.raises(Unreadable) as e:
        read_sheets(data, "bomb.xlsx", Limits(max_bytes=20_000_000, max_expanded=10_000_000))
    assert e.value.code == "zip-bomb"


def test_xml_entities_are_refused():
    wb = Workbook()
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for item in src.infolist():
            body = src.read(item)
            if item.filename == "xl/workbook.xml":
                body = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>' + body.split(b"?>", 1)[-1]
            z.writestr(item, body)
    with pytest.raises(Unreadable) as e:
        read_sheets(out.getvalue(), "lol.xlsx", LIMITS)
    assert e.value.code == "xml-entities"


def test_password_protected_workbook():
    wb = Workbook()
    plain, enc = io.BytesIO(), io.BytesIO()
    wb.save(plain)
    plain.seek(0)
    msoffcrypto.format.ooxml.OOXMLFile(plain).encrypt("123456", enc)
    v = verdict(enc.getvalue(), "加密.xlsx")
    assert v.unreadable and v.issues[0].code == "encrypted" and "密码" in v.issues[0].message


def test_unknown_form_and_headers_only():
    wb = Workbook()
    wb.active.append(["姓名", "爱好"])
    wb.active.append(["张三", "钓鱼"])
    buf = io.BytesIO()
    wb.save(buf)
    v = verdict(buf.getvalue(), "清河区.xlsx")
    assert v.unreadable and v.issues[0].code == "unknown-form"
    v = verdict(messy_workbook("tech-needs", []), "x.xlsx")
    assert v.status == "rejected" and "no-rows" in {i.code for i in v.errors}


def test_formula_looking_cells_are_text_never_formulas():
    row = need_row(0, need_name='=HYPERLINK("http://x";"点我")', contact="@张三")
    v = verdict(csv_bytes("tech-needs", [row]), "附表3_淮阴区.csv")
    assert v.status == "accepted", v.issues
    assert v.records[0]["need_name"].startswith("=HYPERLINK")
    from openpyxl import load_workbook

    from tasks.intake.annotate import annotated_workbook

    out = load_workbook(io.BytesIO(annotated_workbook(v, v.sheets, summary_text="x")))
    cell = next(c for r in out[v.sheet].iter_rows() for c in r if str(c.value or "").startswith("=HYPERLINK"))
    assert cell.data_type == "s"


def _with_member(name: str, rewrite) -> bytes:  # type: ignore[no-untyped-def]
    buf = io.BytesIO()
    wb = Workbook()
    wb.active.append(["企业名称", "需求名称"])
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            body = src.read(item)
            z.writestr(item.filename, rewrite(body) if item.filename == name else body)
    return out.getvalue()


def test_entities_hidden_after_a_padded_prolog_or_in_utf16_are_refused():
    dtd = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>'
    decl = b'<?xml version="1.0" encoding="UTF-8"?>'
    padded = _with_member("xl/workbook.xml", lambda b: decl + b"<!--" + b" " * 100_000 + b"-->" + dtd + b)
    utf16 = _with_member(
        "docProps/app.xml",
        lambda b: ('<?xml version="1.0" encoding="UTF-16"?>' + dtd.decode() + b.decode().split("?>", 1)[-1]).encode(
            "utf-16"
        ),
    )
    for data in (padded, utf16):
        with pytest.raises(Unreadable) as e:
            read_sheets(data, "lol.xlsx", LIMITS)
        assert e.value.code == "xml-entities"


def test_a_zip_that_lies_about_its_sizes_is_refused_without_expanding():
    """The declared size says 1 KB; the member inflates to 30 MB. Our check trusts the
    declaration, so the reader must stop at it (calamine's zip reader does: measured)."""
    data = bytearray(
        _with_member(
            "xl/worksheets/sheet1.xml", lambda b: b.replace(b"<sheetData>", b"<sheetData>" + b" " * 30_000_000)
        )
    )
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    struct.pack_into("<I", data, info.header_offset + 22, 1000)  # local header: uncompressed size
    at = bytes(data).find(b"PK\x01\x02")
    while at != -1:  # and the member's central directory entry
        n = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46 : at + 46 + n]) == b"xl/worksheets/sheet1.xml":
            struct.pack_into("<I", data, at + 24, 1000)
        at = bytes(data).find(b"PK\x01\x02", at + 4)
    assert zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml").file_size == 1000
    with pytest.raises(Unreadable) as e:
        read_sheets(bytes(data), "liar.xlsx", LIMITS)
    assert e.value.code == "not-a-workbook"


def test_an_xls_that_makes_the_reader_abort_is_unreadable_and_we_survive():
    """5.6 KB found by fuzzing a real .xls: calamine asks for 750 GB and Rust aborts the
    process (SIGABRT; no except can catch it). Read in a child process, it is just unreadable."""
    from pathlib import Path

    data = (Path(__file__).parent / "data" / "calamine_abort.xls").read_bytes()
    v = verdict(data, "附表3_涟水县.xls")
    assert v.unreadable and v.issues[0].code == "too-complex" and "文件过大或结构异常，无法读取" in v.issues[0].message
    assert verdict(data[:100], "附表3_涟水县.xls").unreadable  # and the next file gets a fresh reader
