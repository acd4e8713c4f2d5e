"""Builders of sample ledgers, in memory, for the tests of the ledger reader and the import.

Every builder returns the bytes of a file as a person would upload it. The realistic ones
cover the shapes offices actually use (their layout is in each docstring, rows and columns as
Excel numbers them); the hostile ones are files a reader must refuse without running out of
time or memory. The .xls sample is a fixed file (xlwt, which writes .xls, is not a dependency
of the project): see :func:`xls_ledger` for how it was made.
"""

from __future__ import annotations

import base64
import csv
import datetime
import io
import random
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from openpyxl import Workbook  # type: ignore[import-untyped,unused-ignore]

HEADER = (
    "序号",
    "问题类别",
    "具体问题",
    "整改措施",
    "责任领导",
    "牵头单位",
    "配合单位",
    "责任人",
    "完成时限",
    "整改进展",
    "备注",
)


def _save(workbook: Any) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet(title: str = "台账") -> tuple[Any, Any]:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    return workbook, sheet


def _put_rows(sheet: Any, first_row: int, rows: Sequence[Sequence[object]]) -> None:
    for offset, values in enumerate(rows):
        for col, value in enumerate(values, start=1):
            if value is not None and value != "":
                sheet.cell(row=first_row + offset, column=col, value=value)


# ---------------------------------------------------------------------------------------------
# Realistic shapes.


def simple_header() -> bytes:
    """One header row (row 1, all eleven columns A-K) and three measures in rows 2-4.

    Theme and finding are repeated as text in every row instead of being merged.
    """
    workbook, sheet = _sheet()
    _put_rows(
        sheet,
        1,
        [
            HEADER,
            (
                1,
                "党的政治建设",
                "（一）理论学习中心组学习不深入",
                "1.制定年度学习计划",
                "王建国",
                "党委宣传部",
                "各二级党组织",
                "李明",
                "2024-06-30",
                "已制定",
                "无",
            ),
            (
                2,
                "党的政治建设",
                "（一）理论学习中心组学习不深入",
                "2.开展专题研讨",
                "王建国",
                "党委宣传部",
                None,
                "李明、赵强",
                "2024年9月底前",
                "推进中",
                None,
            ),
            (
                3,
                "全面从严治党",
                "（二）“三重一大”决策制度执行不到位",
                "1.修订“三重一大”决策制度实施办法",
                "张红",
                "党委办公室",
                "纪委办公室",
                "周丽",
                "立行立改",
                None,
                None,
            ),
        ],
    )
    return _save(workbook)


def title_and_header() -> bytes:
    """Title merged over A1:F1, a note in A2, the header in row 3, measures in rows 4-5."""
    workbook, sheet = _sheet()
    sheet["A1"] = "航空学院巡视整改台账"
    sheet.merge_cells("A1:F1")
    sheet["A2"] = "填报单位：党委办公室"
    _put_rows(
        sheet,
        3,
        [
            ("序号", "具体问题", "整改措施", "责任单位", "责任人", "完成时限"),
            (1, "（一）制度建设滞后", "1.梳理现有制度", "党委办公室", "孙伟", "2024-05-31"),
            (2, "（一）制度建设滞后", "2.修订议事规则", "党委办公室", "孙伟", "2024-08-31"),
        ],
    )
    return _save(workbook)


def two_row_header(*, merged_down: bool = True) -> bytes:
    """A header over rows 2-3 under a title in A1:H1; "责任主体" (D2:F2) groups 牵头单位 /
    配合单位 / 责任人 in row 3.

    With ``merged_down`` the single headers (序号, 具体问题, 整改措施, 完成时限, 备注) are merged
    over rows 2-3, as Excel users do; without, row 3 is simply blank under them. The finding
    is written in row 4 only; row 5 leaves it blank. The deadline in G4 is a real date.
    """
    workbook, sheet = _sheet()
    sheet["A1"] = "巡视反馈问题整改任务分工表"
    sheet.merge_cells("A1:H1")
    for col, text in zip(
        "ABCGH", ("序号", "具体问题", "整改措施", "完成时限", "备注"), strict=True
    ):
        sheet[f"{col}2"] = text
        if merged_down:
            sheet.merge_cells(f"{col}2:{col}3")
    sheet["D2"] = "责任主体"
    sheet.merge_cells("D2:F2")
    sheet["D3"], sheet["E3"], sheet["F3"] = "牵头单位", "配合单位", "责任人"
    _put_rows(
        sheet,
        4,
        [
            (
                1,
                "（一）学风建设不扎实",
                "1.修订学风建设实施意见",
                "教务处",
                "学生工作处（团委）",
                "陈刚",
                datetime.date(2024, 12, 31),
                None,
            ),
            (2, None, "2.开展学风专项督查", "教务处", None, "陈刚", "长期坚持", "每学期一次"),
        ],
    )
    return _save(workbook)


def merged_findings() -> bytes:
    """Header in row 1 (序号|问题类别|具体问题|整改措施|牵头单位|完成时限); the theme merged over
    B2:B6, finding （一） over C2:C3, finding （二） over C4:C6. Row 6 is blank apart from the
    merged theme and finding (a spare row inside the merge) and must be skipped.
    """
    workbook, sheet = _sheet()
    _put_rows(
        sheet,
        1,
        [
            ("序号", "问题类别", "具体问题", "整改措施", "牵头单位", "完成时限"),
            (
                1,
                "一、党的政治建设方面",
                "（一）意识形态责任制落实不到位",
                "1.制定责任清单",
                "党委宣传部",
                "2024-03-31",
            ),
            (2, None, None, "2.开展专项检查", "党委宣传部", "2024-06-30"),
            (3, None, "（二）基层党组织建设薄弱", "1.开展支部标准化建设", "组织部", "2024-09-30"),
            (4, None, None, "2.选优配强支部书记", "组织部", "长期坚持"),
        ],
    )
    sheet.merge_cells("B2:B6")
    sheet.merge_cells("C2:C3")
    sheet.merge_cells("C4:C6")
    return _save(workbook)


def finding_first_row_only() -> bytes:
    """Header in row 1 (问题类别|具体问题|整改措施|责任单位|完成时限); theme and finding
    written only in their first row, blank below, nothing merged.

    Row 4 names a finding and a unit but no measure (an error); row 6 holds only spaces
    (skipped); row 7 starts a new theme with a finding that gets no measure at all (an error at
    C7); rows 8 and 9 are notes under the table ("注：…", "填表人：…"; skipped).
    """
    workbook, sheet = _sheet()
    _put_rows(
        sheet,
        1,
        [
            ("问题类别", "具体问题", "整改措施", "责任单位", "完成时限"),
            (
                "党建工作",
                "（一）组织生活会质量不高",
                "1.制定组织生活会指导意见",
                "组织部",
                "2024-06-30",
            ),
            (None, None, "2.开展督导", "组织部", "2024-07-31"),
            (None, "（二）党员教育管理不严", None, "组织部", "2024-08-31"),
            (None, None, "1.建立党员积分管理制度", "组织部", "2024-10-31"),
            ("  ", None, None, None, None),
            ("业务工作", "（三）内部控制不健全", None, None, None),
            ("注：完成时限请填写具体日期", None, None, None, None),
            (None, None, None, "填表人：王芳", "审核人：李强"),
        ],
    )
    return _save(workbook)


def fullwidth_numbering() -> bytes:
    """Section rows merged across A:E carry the themes ("一、", row 2 and row 8) and one
    finding ("（一）", row 3); no theme column. Header row 1:
    序号|具体问题|整改措施|责任单位|完成时限（必填）.

    Measures are numbered "１．" (full width), "（２）", "①", "3.2" and "1、". Row 10 is a
    finding section with no measure after it (an error at C10).
    """
    workbook, sheet = _sheet()
    _put_rows(
        sheet,
        1,
        [
            ("序号", "具体问题", "整改措施", "责任单位", "完成时限（必填）"),
            ("一、党的政治建设方面",),
            ("（一）政治理论学习不够深入",),
            (1, None, "１．建立学习制度", "党委宣传部", "2024年6月底前"),
            (2, None, "（２）开展专题培训", "党委宣传部", "2024年9月底前"),
            (3, None, "①完善考核机制", "组织部", "2024年12月底前"),
            (4, None, "3.2 落实督查通报", "党委办公室", "长期坚持"),
            ("二、全面从严治党方面",),
            (5, "（二）监督执纪不够严格", "1、加强日常监督", "纪委办公室", "立行立改"),
            ("（三）作风建设有差距",),
        ],
    )
    for row in (2, 3, 8, 10):
        sheet.merge_cells(f"A{row}:E{row}")
    return _save(workbook)


def combined_unit_person(*, header: str = "整改责任单位/责任人") -> bytes:
    """Header row 1: 具体问题|整改措施|<header>|完成时限, the unit and person in one column C.

    C2 "党委办公室/张三", C3 "党委办公室（张三）", C4 "人事处 张三、李四", C5 "学生工作处（团委）"
    (a unit whose name has brackets: cannot be split), C6 empty, C7 "张三\\n财务处".
    """
    workbook, sheet = _sheet()
    _put_rows(
        sheet,
        1,
        [
            ("具体问题", "整改措施", header, "完成时限"),
            ("（一）议事规则执行不严", "1.修订议事规则", "党委办公室/张三", "2024-06-30"),
            (None, "2.建立督办台账", "党委办公室（张三）", "2024-06-30"),
            (None, "3.开展培训", "人事处 张三、李四", "2024-07-31"),
            (None, "4.加强学生干部管理", "学生工作处（团委）", "2024-08-31"),
            (None, "5.通报整改情况", None, "2024-09-30"),
            (None, "6.规范报销流程", "张三\n财务处", "2024-09-30"),
        ],
    )
    return _save(workbook)


def dates_and_numbers() -> bytes:
    """Header row 1: 序号|具体问题|整改措施|完成时限|整改进展. Deadlines in D2-D7: a datetime, a
    date, a datetime with a time, the texts "2024年9月底前" and "立行立改", and a date in a
    custom Chinese format. Seq numbers are floats (1.0) and a section number 3.2; E holds
    numbers 0.5 and 100.0.
    """
    workbook, sheet = _sheet()
    _put_rows(
        sheet,
        1,
        [
            ("序号", "具体问题", "整改措施", "完成时限", "整改进展"),
            (
                1.0,
                "（一）经费管理不规范",
                "1.修订经费管理办法",
                datetime.datetime(2024, 3, 31),
                0.5,
            ),
            (2.0, None, "2.开展专项审计", datetime.date(2024, 6, 30), 100.0),
            (3.2, None, "3.建立预警机制", datetime.datetime(2024, 7, 1, 15, 30), None),
            (4, None, "4.加强培训", "2024年9月底前", None),
            (5, None, "5.通报典型问题", "立行立改", None),
            (6, None, "6.完善制度", datetime.date(2025, 1, 15), None),
        ],
    )
    sheet["D7"].number_format = "yyyy年m月d日"
    return _save(workbook)


CSV_ROWS: tuple[tuple[str, ...], ...] = (
    ("序号", "问题类别", "具体问题", "整改措施", "牵头单位", "责任人", "完成时限"),
    (
        "1",
        "党的建设",
        "（一）党建与业务融合不够",
        "1.制定融合工作方案",
        "党委办公室",
        "张三",
        "2024-06-30",
    ),
    (
        "2",
        "",
        "",
        "2.开展“党建+业务”示范创建，评选3个示范点",
        "党委办公室",
        "张三",
        "2024年12月底前",
    ),
    (
        "3",
        "",
        "（二）制度执行不严",
        "1.开展制度执行情况检查\n形成检查报告",
        "纪委办公室",
        "李四",
        "立行立改",
    ),
)


def csv_ledger(
    *,
    encoding: str = "gb18030",
    delimiter: str = ",",
    rows: Sequence[Sequence[str]] = CSV_ROWS,
) -> bytes:
    """:data:`CSV_ROWS` as a CSV file; by default as Excel on Chinese Windows saves one
    (GBK, no BOM).

    Row 3 has a comma inside a quoted value; row 4 a line break inside a quoted value.
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def unusual_order() -> bytes:
    """Columns in an unusual order with extra columns: 备注|完成时限|联系电话|责任人|整改措施|
    (no header)|具体问题|是否销号|问题类别 in row 1; data in rows 2-3."""
    workbook, sheet = _sheet()
    _put_rows(
        sheet,
        1,
        [
            (
                "备注",
                "完成时限",
                "联系电话",
                "责任人",
                "整改措施",
                None,
                "具体问题",
                "是否销号",
                "问题类别",
            ),
            (
                None,
                "2024-06-30",
                "13800000000",
                "刘洋",
                "1.完善采购制度",
                "草稿",
                "（一）采购管理不规范",
                "否",
                "内部管理",
            ),
            (
                "需财务处配合",
                "2024-09-30",
                None,
                "刘洋",
                "2.开展采购专项检查",
                None,
                None,
                "是",
                None,
            ),
        ],
    )
    return _save(workbook)


def header_with_linebreaks() -> bytes:
    """Header cells with line breaks, "（必填）" and "*" marks in row 1:
    "序\\n号" | "具体\\n问题" | "整改措施\\n（必填）" | "* 责任单位" | "完成\\r\\n时限(必填)" |
    "整改进展情况" | "责任人联系电话" (not a known column). One measure in row 2.
    """
    workbook, sheet = _sheet()
    _put_rows(
        sheet,
        1,
        [
            (
                "序\n号",
                "具体\n问题",
                "整改措施\n（必填）",
                "* 责任单位",
                "完成\r\n时限(必填)",
                "整改进展情况",
                "责任人联系电话",
            ),
            (
                1,
                "（一）档案管理不规范",
                "1.开展档案清理",
                "档案馆",
                "2024-06-30",
                "已完成",
                "010-12345678",
            ),
        ],
    )
    return _save(workbook)


def formula_cells() -> bytes:
    """Header row 1: 序号|具体问题|整改措施|责任单位|完成时限. A2 and A3 hold =ROW()-1, C2 a
    formula instead of the measure text, E3 =DATE(2024,6,30)."""
    workbook, sheet = _sheet()
    _put_rows(
        sheet,
        1,
        [
            ("序号", "具体问题", "整改措施", "责任单位", "完成时限"),
            (
                "=ROW()-1",
                "（一）资产管理不到位",
                '="1."&"开展资产清查"',
                "国有资产管理处",
                "2024-06-30",
            ),
            ("=ROW()-1", None, "2.建立资产台账", "国有资产管理处", "=DATE(2024,6,30)"),
        ],
    )
    return _save(workbook)


def instructions_then_ledger() -> bytes:
    """Sheet "填报说明" (instructions, no header), a hidden sheet "旧版" with a valid header, then
    the visible sheet "台账" whose header is in row 1: the reader must pick "台账"."""
    workbook, notes = _sheet("填报说明")
    notes["A1"] = "1. 请勿修改表头。"
    notes["A2"] = "2. 完成时限请填写具体日期。"
    old = workbook.create_sheet("旧版")
    old.sheet_state = "hidden"
    _put_rows(old, 1, [("具体问题", "整改措施"), ("（一）旧问题", "1.旧措施")])
    ledger = workbook.create_sheet("台账")
    _put_rows(ledger, 1, [("具体问题", "整改措施"), ("（一）新问题", "1.新措施")])
    return _save(workbook)


def findings_only() -> bytes:
    """A list of findings without a measure column: 序号|问题类别|具体问题|牵头单位|完成时限."""
    workbook, sheet = _sheet()
    _put_rows(
        sheet,
        1,
        [
            ("序号", "问题类别", "具体问题", "牵头单位", "完成时限"),
            (1, "一、党的建设", "（一）组织生活不规范", "组织部", "2024-06-30"),
            (2, None, "（二）学习教育不深入", "党委宣传部", "2024-09-30"),
        ],
    )
    return _save(workbook)


def merged_measure_and_lists() -> bytes:
    """Header row 1: 具体问题|整改措施|牵头单位. The measure in B2 is merged over B2:B3 while
    C2 and C3 name two units (a warning at B3); B4 lists "1.…" and "2.…" in one cell (a
    warning); B5 is over 5,000 characters (an error)."""
    workbook, sheet = _sheet()
    _put_rows(
        sheet,
        1,
        [
            ("具体问题", "整改措施", "牵头单位"),
            ("（一）安全管理有漏洞", "1.开展安全隐患排查", "保卫处"),
            (None, None, "后勤处"),
            (None, "1.修订应急预案\n2.组织应急演练", "保卫处"),
            (None, "长" * 5001, "保卫处"),
        ],
    )
    sheet.merge_cells("B2:B3")
    return _save(workbook)


def sections_with_seq_numbers() -> bytes:
    """Header row 1: 序号|具体问题|整改措施; section rows 2 and 4 keep a Chinese running number
    in A ("一", "二") with the theme merged over B:C. Rows 3 and 5 hold one measure each."""
    workbook, sheet = _sheet()
    _put_rows(
        sheet,
        1,
        [
            ("序号", "具体问题", "整改措施"),
            ("一", "党的政治建设方面"),
            (1, "（一）制度不健全", "1.建立制度"),
            ("二", "全面从严治党方面"),
            (1, "（一）监督不到位", "1.加强监督"),
        ],
    )
    sheet.merge_cells("B2:C2")
    sheet.merge_cells("B4:C4")
    return _save(workbook)


_XLS_LEDGER_ZLIB_B64 = (
    "eNrtWGtoHFUUPndmdndmu5tsXtVEqGuLUdNWkhqKQeqqoP1jZrO7qEnWbtpNJlHzkjVVupX0kQYatsGCtqZFhGD6"
    "w/6o+kftw9JKfUCEigqCIiSKUFCKlWqlthnPOfPoNkZoQAORPcPcud+5957v3HPvPTO7n58tmRp/p2oaZsn9IMOM"
    "qYE3Tyfw1hwQAmw3Tao6TxVvsyCLSjQVF9LrgePBz3y0hrTe0yDB28ppLAG+x/tJeBb0/j4jvIDyEPuwSZAP64SC"
    "e0+C1/Augkr2q5TLdi7LuHyL+57g8gHWjHK5DvtOiVY4G9Fr7rX3cbO0nNuKsBTwHo/5hjV1UAGf0j7etldYfT3w"
    "YObpTT2LrGGZEoAJwCVdb/QZGcLFcAj8AFtQVvf2ru7omIJyXO4J+M0MA1x0zvWpcEG/sHoBqP/jer3vH/QqLuJs"
    "/cuSArAdzI2CNvMwZuYeD7Uoorv5UPpirqhzGALwIWdySfySqB69Av2iElElHwFxKae13/bMtq7u5gOxgBnUd4yc"
    "jzYYT+2ub5Fq/SBqdmazncn0/ukNH48MGA0GWUCml1KXEnguz+8bG9v64so4Vl+IJaIEsUr9Drd/YGB1c6a+5bFE"
    "Y1QGsWL0T/2Yjro9yVD6d6NpP5rxtZzrUdFvXdS2xnY9fzl1MnfUSL+KvKoJumaeGfxk8NbN9/UG9TMj8tASEHVw"
    "N/ycgLYyfWzMaayKekC0xr5qeT3eE5tIotlwm6ajjTXY+XJqMut0JN/REYLn9mI3vevbxzXqVgtroB4GUmtB7dqX"
    "aowz/x7k9w4cy3UmN+pB/UKvEdNIXQeauTZ+MEnq8VxpHA2+kQxH2WDuuVdogpPZR3dPZhsMbPp1A83WT+9OzrWh"
    "63JtkDNQAMsOKOZ6CeehEC71lTcvfNGYboq0sWY7v1+tt/DttORgwg4agYOL3BarrOERK7ncyVZv4XoVl+WYJPBZ"
    "3VRhVx4Z4j67uLUaee5h+TJyR179TqwP/xR7f9nwD5G7sH5k/XS2/MjXkXFYjl8FHTieriFYJVaJgwdIjkacp7Dz"
    "9XdcVv4td6tSyPbdtD81iuEqZSuUEut7RCqFd6kr5vZrshBR5bPEvRZrVNU5o0ozPoleA0cn//LxSDHHSMEjybaF"
    "aKTsIgmR4iIZkcdFCiKvizzM4iAvItVFPkSa7T0x+fJ8GJT8rLtmy1pbv4vIhyUuIh8CLiIfgi4iH2iFLZtejGXV"
    "RxKzynOwyszq55ipiARH0KpLHBOyKjNjsc0hM2PIRR6OroNo1qX2PJVZsSZGhRm3eixGxWaksQozltmWFOYsdxFx"
    "VriIOJe6iDhvchFF+mZEP+IOljlaEl8Kr6wlPuvkwVwnryAFKUhBCrJ4hfI8vVHp/abYXztezvvW/zpX8Z4p/E3y"
    "v5U49OM1gD8pH4Y+fGZgy7z2z1LwCMeWuMExzv+FJE8gewa6Ic1+dM97/+IXsMifzw0PDP17R2i+/DPz8fM/5v8L"
    "hUeVZA=="
)


def xls_ledger() -> bytes:
    """A BIFF8 .xls: sheet "填报说明" (no header), then sheet "台账".

    Made once with xlwt 1.3.0 (not installed in the project) by::

        ws.write_merge(0, 0, 0, 7, "航空学院巡视整改台账")
        header in row 2: 序号|问题类别|具体问题|整改措施|牵头单位|责任人|完成时限|备注
        A3..A5 = 1, 2, 3.5
        ws.write_merge(2, 4, 1, 1, "一、党的建设方面")        # B3:B5
        ws.write_merge(2, 3, 2, 2, "（一）组织生活不规范")    # C3:C4
        C5 = "（二）理论学习不深入"
        D3..D5 = "1.召开专题组织生活会", "2.建立组织生活台账", "（1）制定学习计划"
        E3..E5 = "党委办公室", "组织部", "宣传部"; F3..F5 = "张三", "李四", "王五"
        G3 = date(2024, 3, 31) formatted yyyy-mm-dd; G4 = "2024年6月底前"; G5 = "立行立改"
        H5 = "已完成"
    """
    return zlib.decompress(base64.b64decode("".join(_XLS_LEDGER_ZLIB_B64)))


# ---------------------------------------------------------------------------------------------
# Hand-written xlsx packages, for files too large to build with openpyxl in a test.

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="{workbook_type}"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_WORKBOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_MACRO_WORKBOOK_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"


def inline_cell(ref: str, text: str) -> str:
    """A cell holding an inline string, as hand-written sheet XML."""
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def handmade_xlsx(
    sheet_body: Iterable[bytes],
    *,
    dimension: str = "A1:B3",
    tail: str = "",
    workbook_type: str = _WORKBOOK_TYPE,
    extra_members: Sequence[tuple[str, bytes]] = (),
) -> bytes:
    """A minimal xlsx whose sheet1.xml is streamed from ``sheet_body`` (the <row> elements).

    Streaming through zipfile keeps memory flat, so very large sheets build quickly.
    ``tail`` goes after </sheetData> (e.g. <mergeCells>).
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES.format(workbook_type=workbook_type))
        zf.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{_REL_NS}"><Relationship Id="rId1" '
            f'Type="{_DOC_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        zf.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{_MAIN_NS}" xmlns:r="{_DOC_REL}"><sheets>'
            '<sheet name="台账" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        zf.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{_REL_NS}"><Relationship Id="rId1" '
            f'Type="{_DOC_REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        for name, content in extra_members:
            zf.writestr(name, content)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            out.write(
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                f'<worksheet xmlns="{_MAIN_NS}"><dimension ref="{dimension}"/><sheetData>'.encode()
            )
            for chunk in sheet_body:
                out.write(chunk)
            out.write(f"</sheetData>{tail}</worksheet>".encode())
    return buffer.getvalue()


def _small_sheet_rows() -> Iterator[bytes]:
    yield (
        '<row r="1">' + inline_cell("A1", "具体问题") + inline_cell("B1", "整改措施") + "</row>"
        '<row r="2">' + inline_cell("A2", "（一）问题") + inline_cell("B2", "1.措施") + "</row>"
    ).encode()


def handmade_small() -> bytes:
    """A valid two-row ledger written by :func:`handmade_xlsx` (proves the package is sound)."""
    return handmade_xlsx(_small_sheet_rows(), dimension="A1:B2")


# ---------------------------------------------------------------------------------------------
# Hostile files.


def zip_bomb(*, megabytes: int = 60) -> bytes:
    """A valid xlsx whose sheet XML is ``megabytes`` MB of whitespace: it packs ~1000:1."""
    padding = b" " * (1024 * 1024)

    def body() -> Iterator[bytes]:
        yield from _small_sheet_rows()
        for _ in range(megabytes):
            yield padding

    return handmade_xlsx(body(), dimension="A1:B2")


def million_rows(*, rows: int = 1_000_000) -> bytes:
    """A sheet with a header and ``rows`` data rows (dimension A1:K<rows+1>), each with text."""

    def body() -> Iterator[bytes]:
        yield from (
            b'<row r="1">'
            + inline_cell("A1", "具体问题").encode()
            + inline_cell("B1", "整改措施").encode()
            + b"</row>",
        )
        batch: list[str] = []
        for number in range(2, rows + 2):
            batch.append(
                f'<row r="{number}"><c r="A{number}" t="inlineStr"><is><t>问题{number}</t>'
                f'</is></c><c r="B{number}"><v>{number * 7919 % 100003}</v></c></row>'
            )
            if len(batch) == 20_000:
                yield "".join(batch).encode()
                batch = []
        yield "".join(batch).encode()

    return handmade_xlsx(body(), dimension=f"A1:K{rows + 1}")


def empty_rows_flood(*, rows: int) -> bytes:
    """A header, one measure, then ``rows`` empty <row> elements (rows given a height)."""

    def body() -> Iterator[bytes]:
        yield from _small_sheet_rows()
        yield "".join(
            f'<row r="{n}" ht="20" customHeight="1"/>' for n in range(3, rows + 3)
        ).encode()

    return handmade_xlsx(body(), dimension=f"A1:B{rows + 2}")


def huge_merge() -> bytes:
    """A small sheet with one merged range over the whole sheet (A1:XFD1048576).

    openpyxl creates an object for every cell of a merged range: seventeen billion here.
    """
    return handmade_xlsx(
        _small_sheet_rows(),
        dimension="A1:B2",
        tail='<mergeCells count="1"><mergeCell ref="C3:XFD1048576"/></mergeCells>',
    )


def encrypted_xlsx() -> bytes:
    """The start of an OLE compound file as Excel writes for a password-protected xlsx: the
    directory names the "EncryptionInfo" and "EncryptedPackage" streams."""
    header = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(16) + b"\x3e\x00\x03\x00\xfe\xff\x09\x00"
    header += bytes(512 - len(header))
    entries = b""
    for name in ("Root Entry", "EncryptionInfo", "EncryptedPackage"):
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        entries += encoded + bytes(64 - len(encoded)) + len(encoded).to_bytes(2, "little")
        entries += bytes(128 - 66)
    return header + entries + random.Random(7).randbytes(2048)


def macro_xlsx(*, content_type_only: bool = False) -> bytes:
    """A ledger saved as .xlsm: a vbaProject.bin member, or only the macro content type."""
    if content_type_only:
        return handmade_xlsx(
            _small_sheet_rows(), dimension="A1:B2", workbook_type=_MACRO_WORKBOOK_TYPE
        )
    return handmade_xlsx(
        _small_sheet_rows(),
        dimension="A1:B2",
        extra_members=[("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + bytes(1020))],
    )


def ole_not_a_workbook() -> bytes:
    """An OLE compound file header followed by garbage (a damaged .xls, or a .doc)."""
    return bytes.fromhex("D0CF11E0A1B11AE1") + random.Random(99).randbytes(4096)


def pdf_file() -> bytes:
    """A tiny PDF (a scanned ledger uploaded by mistake)."""
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def empty_file() -> bytes:
    return b""


def random_bytes() -> bytes:
    return random.Random(1234).randbytes(4096)


def word_document_zip() -> bytes:
    """A zip that is not a workbook (the shape of a .docx)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def html_table_xls() -> bytes:
    """An HTML table saved with an .xls name, as many web systems export."""
    table = "<table><tr><td>具体问题</td><td>整改措施</td></tr></table>"
    return f"<html><body>{table}</body></html>".encode()


def no_header_sheet() -> bytes:
    """A workbook whose first 15 rows hold no recognisable header."""
    workbook, sheet = _sheet("Sheet1")
    _put_rows(
        sheet,
        1,
        [
            ("会议纪要",),
            ("时间", "2024年3月1日"),
            ("地点", "行政楼三楼会议室"),
            ("参会人员", "全体班子成员"),
        ],
    )
    return _save(workbook)
