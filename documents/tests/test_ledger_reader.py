"""Tests of the ledger reader: every realistic shape read exactly, every hostile file refused."""

from __future__ import annotations

import io
import time
from collections.abc import Callable

import pytest
from django.utils import translation

from documents.ledger_reader import (
    FIELDS,
    Cell,
    LedgerErrorCode,
    LedgerReadError,
    LedgerRow,
    LedgerSheet,
    Problem,
    read_ledger,
)
from documents.tests import ledger_samples as samples


def read(data: bytes, *, filename: str = "台账.xlsx", **limits: int) -> LedgerSheet:
    return read_ledger(io.BytesIO(data), filename=filename, **limits)


def refuse(data: bytes, *, filename: str = "台账.xlsx", **limits: int) -> LedgerReadError:
    with pytest.raises(LedgerReadError) as caught:
        read(data, filename=filename, **limits)
    return caught.value


def cells(row: LedgerRow) -> dict[str, tuple[str, str]]:
    return {name: (cell.value, cell.address) for name, cell in row.cells.items()}


def numbers(sheet: LedgerSheet) -> list[tuple[int, str, str]]:
    return [(r.row_number, r.finding_number, r.measure_number) for r in sheet.rows]


def problems(sheet: LedgerSheet) -> list[tuple[str, str]]:
    return [(p.address, p.severity) for p in sheet.problems]


def csv_bytes(*rows: tuple[str, ...]) -> bytes:
    return samples.csv_ledger(encoding="utf-8", rows=rows)


# ---------------------------------------------------------------------------------------------
# Realistic shapes.


def test_simple_header_maps_every_column_and_splits_numbers() -> None:
    sheet = read(samples.simple_header())

    assert sheet.sheet_name == "台账"
    assert sheet.file_format == "xlsx"
    assert sheet.header_rows == [1]
    assert sheet.title == ""
    assert sheet.columns == {name: index for index, name in enumerate(FIELDS, start=1)}
    assert cells(sheet.rows[0]) == {
        "seq": ("1", "A2"),
        "theme": ("党的政治建设", "B2"),
        "finding": ("理论学习中心组学习不深入", "C2"),
        "measure": ("制定年度学习计划", "D2"),
        "leader": ("王建国", "E2"),
        "lead_unit": ("党委宣传部", "F2"),
        "co_units": ("各二级党组织", "G2"),
        "persons": ("李明", "H2"),
        "deadline": ("2024-06-30", "I2"),
        "progress": ("已制定", "J2"),
        "remarks": ("无", "K2"),
    }
    assert numbers(sheet) == [(2, "（一）", "1."), (3, "（一）", "2."), (4, "（二）", "1.")]
    assert sheet.problems == []
    assert not sheet.has_errors


def test_theme_and_finding_copied_into_every_row_count_as_one_item() -> None:
    sheet = read(samples.simple_header())

    second, third = sheet.rows[1], sheet.rows[2]
    # The copy in C3 is the same finding as C2: it keeps the address of its first cell.
    assert second.cells["finding"] == sheet.rows[0].cells["finding"]
    assert second.cells["finding"].address == "C2"
    assert second.cells["theme"].address == "B2"
    assert second.text("persons") == "李明、赵强"
    assert second.text("co_units") == ""
    assert cells(third)["theme"] == ("全面从严治党", "B4")
    assert cells(third)["finding"] == ("“三重一大”决策制度执行不到位", "C4")


def test_a_title_merged_above_the_header_is_captured() -> None:
    sheet = read(samples.title_and_header())

    assert sheet.title == "航空学院巡视整改台账"
    assert sheet.header_rows == [3]
    assert sheet.columns == {
        "seq": 1,
        "finding": 2,
        "measure": 3,
        "lead_unit": 4,
        "persons": 5,
        "deadline": 6,
    }
    assert [cells(r) for r in sheet.rows] == [
        {
            "seq": ("1", "A4"),
            "finding": ("制度建设滞后", "B4"),
            "measure": ("梳理现有制度", "C4"),
            "lead_unit": ("党委办公室", "D4"),
            "persons": ("孙伟", "E4"),
            "deadline": ("2024-05-31", "F4"),
        },
        {
            "seq": ("2", "A5"),
            "finding": ("制度建设滞后", "B4"),
            "measure": ("修订议事规则", "C5"),
            "lead_unit": ("党委办公室", "D5"),
            "persons": ("孙伟", "E5"),
            "deadline": ("2024-08-31", "F5"),
        },
    ]


@pytest.mark.parametrize("merged_down", [True, False])
def test_a_header_over_two_rows_under_a_merged_group(merged_down: bool) -> None:
    sheet = read(samples.two_row_header(merged_down=merged_down))

    assert sheet.title == "巡视反馈问题整改任务分工表"
    assert sheet.header_rows == [2, 3]
    assert sheet.columns == {
        "seq": 1,
        "finding": 2,
        "measure": 3,
        "lead_unit": 4,
        "co_units": 5,
        "persons": 6,
        "deadline": 7,
        "remarks": 8,
    }
    assert [cells(r) for r in sheet.rows] == [
        {
            "seq": ("1", "A4"),
            "finding": ("学风建设不扎实", "B4"),
            "measure": ("修订学风建设实施意见", "C4"),
            "lead_unit": ("教务处", "D4"),
            "co_units": ("学生工作处（团委）", "E4"),
            "persons": ("陈刚", "F4"),
            "deadline": ("2024-12-31", "G4"),
            "remarks": ("", "H4"),
        },
        {
            "seq": ("2", "A5"),
            "finding": ("学风建设不扎实", "B4"),
            "measure": ("开展学风专项督查", "C5"),
            "lead_unit": ("教务处", "D5"),
            "co_units": ("", "E5"),
            "persons": ("陈刚", "F5"),
            "deadline": ("长期坚持", "G5"),
            "remarks": ("每学期一次", "H5"),
        },
    ]
    assert sheet.problems == []


def test_findings_merged_down_over_their_measures_fill_every_row() -> None:
    sheet = read(samples.merged_findings())

    assert [r.row_number for r in sheet.rows] == [2, 3, 4, 5]  # row 6 only continues merges
    assert [(r.text("theme"), r.cells["theme"].address, r.theme_number) for r in sheet.rows] == [
        ("党的政治建设方面", "B2", "一、")
    ] * 4
    assert [cells(r)["finding"] for r in sheet.rows] == [
        ("意识形态责任制落实不到位", "C2"),
        ("意识形态责任制落实不到位", "C2"),
        ("基层党组织建设薄弱", "C4"),
        ("基层党组织建设薄弱", "C4"),
    ]
    assert numbers(sheet) == [
        (2, "（一）", "1."),
        (3, "（一）", "2."),
        (4, "（二）", "1."),
        (5, "（二）", "2."),
    ]
    assert [cells(r)["measure"] for r in sheet.rows] == [
        ("制定责任清单", "D2"),
        ("开展专项检查", "D3"),
        ("开展支部标准化建设", "D4"),
        ("选优配强支部书记", "D5"),
    ]
    assert sheet.problems == []


def test_a_finding_written_only_in_its_first_row_is_carried_down() -> None:
    sheet = read(samples.finding_first_row_only())

    # Row 6 (spaces only) and rows 8-9 (notes under the table) are not rows.
    assert [r.row_number for r in sheet.rows] == [2, 3, 4, 5, 7]
    assert [(cells(r)["theme"], cells(r)["finding"]) for r in sheet.rows] == [
        (("党建工作", "A2"), ("组织生活会质量不高", "B2")),
        (("党建工作", "A2"), ("组织生活会质量不高", "B2")),
        (("党建工作", "A2"), ("党员教育管理不严", "B4")),
        (("党建工作", "A2"), ("党员教育管理不严", "B4")),
        (("业务工作", "A7"), ("内部控制不健全", "B7")),
    ]
    assert numbers(sheet) == [
        (2, "（一）", "1."),
        (3, "（一）", "2."),
        (4, "（二）", ""),
        (5, "（二）", "1."),
        (7, "（三）", ""),
    ]
    # Row 4 gives a unit but no measure; the finding in row 7 never gets a measure.
    assert problems(sheet) == [("C4", "error"), ("C7", "error")]
    assert sheet.rows[2].text("lead_unit") == "组织部"
    assert sheet.has_errors


def test_section_rows_and_every_numbering_style() -> None:
    sheet = read(samples.fullwidth_numbering())

    assert "theme" not in sheet.columns
    assert sheet.columns["deadline"] == 5  # "完成时限（必填）"
    assert [(r.row_number, r.theme_number, r.text("theme")) for r in sheet.rows] == [
        (4, "一、", "党的政治建设方面"),
        (5, "一、", "党的政治建设方面"),
        (6, "一、", "党的政治建设方面"),
        (7, "一、", "党的政治建设方面"),
        (9, "二、", "全面从严治党方面"),
        (10, "二、", "全面从严治党方面"),
    ]
    assert [r.cells["theme"].address for r in sheet.rows] == ["A2"] * 4 + ["A8"] * 2
    assert numbers(sheet) == [
        (4, "（一）", "１．"),
        (5, "（一）", "（２）"),
        (6, "（一）", "①"),
        (7, "（一）", "3.2"),
        (9, "（二）", "1、"),
        (10, "（三）", ""),
    ]
    assert [cells(r)["finding"] for r in sheet.rows] == [
        ("政治理论学习不够深入", "A3"),
        ("政治理论学习不够深入", "A3"),
        ("政治理论学习不够深入", "A3"),
        ("政治理论学习不够深入", "A3"),
        ("监督执纪不够严格", "B9"),
        ("作风建设有差距", "A10"),
    ]
    assert [r.text("measure") for r in sheet.rows] == [
        "建立学习制度",
        "开展专题培训",
        "完善考核机制",
        "落实督查通报",
        "加强日常监督",
        "",
    ]
    assert sheet.rows[0].cells["seq"] == Cell("1", "A4")
    # The section "（三）" has no measure row: reported at its measure cell.
    assert problems(sheet) == [("C10", "error")]


@pytest.mark.parametrize(
    "header", ["整改责任单位/责任人", "责任单位及责任人", "责任单位（责任人）", "责任人/牵头单位"]
)
def test_one_column_holding_unit_and_person_is_split(header: str) -> None:
    sheet = read(samples.combined_unit_person(header=header))

    assert sheet.columns["lead_unit"] == sheet.columns["persons"] == 3
    assert [(r.text("lead_unit"), r.text("persons")) for r in sheet.rows] == [
        ("党委办公室", "张三"),
        ("党委办公室", "张三"),
        ("人事处", "张三、李四"),
        ("学生工作处（团委）", ""),
        ("", ""),
        ("财务处", "张三"),
    ]
    assert {r.cells["lead_unit"].address for r in sheet.rows} == {f"C{n}" for n in range(2, 8)}
    assert all(r.cells["persons"].address == r.cells["lead_unit"].address for r in sheet.rows)
    # A unit whose own name has brackets cannot be split: kept whole, with a warning.
    assert problems(sheet) == [("C5", "warning")]


@pytest.mark.parametrize(
    ("value", "unit", "persons"),
    [
        ("党委办公室/张三", "党委办公室", "张三"),
        ("党委办公室／张三", "党委办公室", "张三"),
        ("党委办公室（张三）", "党委办公室", "张三"),
        ("党委办公室(张三、李四)", "党委办公室", "张三、李四"),
        ("张三（党委办公室）", "党委办公室", "张三"),
        ("人事处 张三、李四", "人事处", "张三、李四"),
        ("人事处　张三 李四", "人事处", "张三 李四"),
        ("党委办公室：王小明", "党委办公室", "王小明"),
        ("党委办公室/人事处/张三", "党委办公室、人事处", "张三"),
        ("马克思主义学院 阿依古丽·买买提", "马克思主义学院", "阿依古丽·买买提"),
    ],
)
def test_unit_and_person_written_in_many_ways(value: str, unit: str, persons: str) -> None:
    sheet = read(csv_bytes(("具体问题", "整改措施", "责任单位/责任人"), ("问题", "措施", value)))

    assert (sheet.rows[0].text("lead_unit"), sheet.rows[0].text("persons")) == (unit, persons)
    assert sheet.problems == []


@pytest.mark.parametrize("value", ["党委办公室", "学生工作处（团委）", "党委办公室和人事处商定"])
def test_a_unit_person_cell_that_cannot_be_split_goes_to_the_unit_with_a_warning(
    value: str,
) -> None:
    sheet = read(csv_bytes(("具体问题", "整改措施", "责任单位/责任人"), ("问题", "措施", value)))

    assert (sheet.rows[0].text("lead_unit"), sheet.rows[0].text("persons")) == (value, "")
    assert sheet.problems == [Problem("C2", sheet.problems[0].message, "warning")]


def test_dates_are_iso_and_numbers_have_no_trailing_zero() -> None:
    sheet = read(samples.dates_and_numbers())

    assert [r.text("deadline") for r in sheet.rows] == [
        "2024-03-31",
        "2024-06-30",
        "2024-07-01 15:30",
        "2024年9月底前",
        "立行立改",
        "2025-01-15",
    ]
    assert [r.text("seq") for r in sheet.rows] == ["1", "2", "3.2", "4", "5", "6"]
    assert [r.text("progress") for r in sheet.rows][:2] == ["0.5", "100"]


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("gb18030", ","), ("utf-8-sig", ","), ("utf-8", "\t"), ("utf-16", "\t"), ("gbk", ";")],
)
def test_csv_in_the_usual_encodings_and_delimiters(encoding: str, delimiter: str) -> None:
    sheet = read(samples.csv_ledger(encoding=encoding, delimiter=delimiter), filename="台账.csv")

    assert sheet.file_format == "csv"
    assert sheet.sheet_name == "台账.csv"
    assert sheet.columns == {
        "seq": 1,
        "theme": 2,
        "finding": 3,
        "measure": 4,
        "lead_unit": 5,
        "persons": 6,
        "deadline": 7,
    }
    assert [cells(r)["measure"] for r in sheet.rows] == [
        ("制定融合工作方案", "D2"),
        ("开展“党建+业务”示范创建，评选3个示范点", "D3"),
        ("开展制度执行情况检查\n形成检查报告", "D4"),
    ]
    assert [cells(r)["finding"] for r in sheet.rows] == [
        ("党建与业务融合不够", "C2"),
        ("党建与业务融合不够", "C2"),
        ("制度执行不严", "C4"),
    ]
    assert [cells(r)["theme"] for r in sheet.rows] == [("党的建设", "B2")] * 3
    assert numbers(sheet) == [(2, "（一）", "1."), (3, "（一）", "2."), (4, "（二）", "1.")]
    assert sheet.problems == []


def test_columns_in_any_order_and_unknown_columns_ignored() -> None:
    sheet = read(samples.unusual_order())

    assert sheet.columns == {
        "theme": 9,
        "finding": 7,
        "measure": 5,
        "persons": 4,
        "deadline": 2,
        "remarks": 1,
    }
    assert [cells(r) for r in sheet.rows] == [
        {
            "theme": ("内部管理", "I2"),
            "finding": ("采购管理不规范", "G2"),
            "measure": ("完善采购制度", "E2"),
            "persons": ("刘洋", "D2"),
            "deadline": ("2024-06-30", "B2"),
            "remarks": ("", "A2"),
        },
        {
            "theme": ("内部管理", "I2"),
            "finding": ("采购管理不规范", "G2"),
            "measure": ("开展采购专项检查", "E3"),
            "persons": ("刘洋", "D3"),
            "deadline": ("2024-09-30", "B3"),
            "remarks": ("需财务处配合", "A3"),
        },
    ]


def test_headers_with_line_breaks_marks_and_required_notes() -> None:
    sheet = read(samples.header_with_linebreaks())

    # "责任人联系电话" is a phone column, not the person: it is left out.
    assert sheet.columns == {
        "seq": 1,
        "finding": 2,
        "measure": 3,
        "lead_unit": 4,
        "deadline": 5,
        "progress": 6,
    }
    assert cells(sheet.rows[0])["progress"] == ("已完成", "F2")


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("问题类别", "theme"),
        ("反馈问题类别", "theme"),
        ("方面", "theme"),
        ("巡视反馈问题", "finding"),
        ("存在的问题", "finding"),
        ("问题表现", "finding"),
        ("整改任务", "measure"),
        ("具体整改措施", "measure"),
        ("整改举措", "measure"),
        ("牵头校领导", "leader"),
        ("责任校领导", "leader"),
        ("整改责任单位（部门）", "lead_unit"),
        ("责任单位名称", "lead_unit"),
        ("牵头部门", "lead_unit"),
        ("协办单位", "co_units"),
        ("具体经办人", "persons"),
        ("整改期限", "deadline"),
        ("完成时间", "deadline"),
        ("整改措施完成情况", "progress"),
        ("进展情况", "progress"),
        ("备 注", "remarks"),
        ("编号", "seq"),
    ],
)
def test_header_synonyms(header: str, field: str) -> None:
    # The header under test takes the place of its own field, so no other column competes.
    headers = {"finding": "具体问题", "measure": "整改措施", field: header}
    if field not in ("finding", "measure"):
        headers["extra"] = header
        del headers[field]
    sheet = read(csv_bytes(tuple(headers.values()), ("问题", "措施", "值")[: len(headers)]))

    assert sheet.columns[field] == list(headers.values()).index(header) + 1


def test_cells_holding_formulas_are_reported_and_read_as_empty() -> None:
    sheet = read(samples.formula_cells())

    assert [cells(r) for r in sheet.rows] == [
        {
            "seq": ("", "A2"),
            "finding": ("资产管理不到位", "B2"),
            "measure": ("", "C2"),
            "lead_unit": ("国有资产管理处", "D2"),
            "deadline": ("2024-06-30", "E2"),
        },
        {
            "seq": ("", "A3"),
            "finding": ("资产管理不到位", "B2"),
            "measure": ("建立资产台账", "C3"),
            "lead_unit": ("国有资产管理处", "D3"),
            "deadline": ("", "E3"),
        },
    ]
    # A formula in the running number only warns; elsewhere the value is missing: an error.
    # The formula in C2 is the only problem of that cell (no second "empty measure").
    assert problems(sheet) == [
        ("A2", "warning"),
        ("C2", "error"),
        ("A3", "warning"),
        ("E3", "error"),
    ]


def test_the_first_visible_sheet_with_a_header_is_read() -> None:
    sheet = read(samples.instructions_then_ledger())

    assert sheet.sheet_name == "台账"
    assert [cells(r) for r in sheet.rows] == [
        {"finding": ("新问题", "A2"), "measure": ("新措施", "B2")}
    ]


def test_a_list_of_findings_without_measures_is_read_without_errors() -> None:
    sheet = read(samples.findings_only())

    assert "measure" not in sheet.columns
    assert [(r.row_number, r.finding_number, r.text("finding")) for r in sheet.rows] == [
        (2, "（一）", "组织生活不规范"),
        (3, "（二）", "学习教育不深入"),
    ]
    assert [r.text("theme") for r in sheet.rows] == ["党的建设", "党的建设"]
    assert sheet.problems == []


def test_merged_measures_item_lists_and_overlong_text_are_reported() -> None:
    sheet = read(samples.merged_measure_and_lists())

    assert [(r.row_number, r.measure_number, cells(r)["measure"][1]) for r in sheet.rows] == [
        (2, "1.", "B2"),
        (3, "1.", "B2"),
        (4, "", "B4"),
        (5, "", "B5"),
    ]
    # Several numbered items in one cell: kept whole so nothing is lost.
    assert sheet.rows[2].text("measure") == "1.修订应急预案\n2.组织应急演练"
    assert [r.text("lead_unit") for r in sheet.rows] == ["保卫处", "后勤处", "保卫处", "保卫处"]
    assert problems(sheet) == [("B3", "warning"), ("B4", "warning"), ("B5", "error")]


def test_xls_workbook_with_merged_cells_and_dates() -> None:
    sheet = read(samples.xls_ledger(), filename="台账.xls")

    assert sheet.file_format == "xls"
    assert sheet.sheet_name == "台账"  # the instructions sheet before it has no header
    assert sheet.title == "航空学院巡视整改台账"
    assert sheet.header_rows == [2]
    assert [cells(r) for r in sheet.rows] == [
        {
            "seq": ("1", "A3"),
            "theme": ("党的建设方面", "B3"),
            "finding": ("组织生活不规范", "C3"),
            "measure": ("召开专题组织生活会", "D3"),
            "lead_unit": ("党委办公室", "E3"),
            "persons": ("张三", "F3"),
            "deadline": ("2024-03-31", "G3"),
            "remarks": ("", "H3"),
        },
        {
            "seq": ("2", "A4"),
            "theme": ("党的建设方面", "B3"),
            "finding": ("组织生活不规范", "C3"),
            "measure": ("建立组织生活台账", "D4"),
            "lead_unit": ("组织部", "E4"),
            "persons": ("李四", "F4"),
            "deadline": ("2024年6月底前", "G4"),
            "remarks": ("", "H4"),
        },
        {
            "seq": ("3.5", "A5"),
            "theme": ("党的建设方面", "B3"),
            "finding": ("理论学习不深入", "C5"),
            "measure": ("制定学习计划", "D5"),
            "lead_unit": ("宣传部", "E5"),
            "persons": ("王五", "F5"),
            "deadline": ("立行立改", "G5"),
            "remarks": ("已完成", "H5"),
        },
    ]
    assert [(r.theme_number, r.finding_number, r.measure_number) for r in sheet.rows] == [
        ("一、", "（一）", "1."),
        ("一、", "（一）", "2."),
        ("一、", "（二）", "（1）"),
    ]


@pytest.mark.parametrize(
    ("builder", "filename", "file_format"),
    [
        (samples.simple_header, "台账.xls", "xlsx"),
        (samples.xls_ledger, "台账.xlsx", "xls"),
        (samples.csv_ledger, "台账.xlsx", "csv"),
    ],
)
def test_the_format_is_told_by_content_not_by_name(
    builder: Callable[[], bytes], filename: str, file_format: str
) -> None:
    sheet = read(builder(), filename=filename)

    assert sheet.file_format == file_format
    assert sheet.rows


def test_a_hand_written_package_is_a_valid_workbook() -> None:
    # The hostile samples below are built the same way: they fail for their content only.
    sheet = read(samples.handmade_small())

    assert [cells(r) for r in sheet.rows] == [
        {"finding": ("问题", "A2"), "measure": ("措施", "B2")}
    ]


def test_a_header_without_data_rows_warns() -> None:
    sheet = read(csv_bytes(("具体问题", "整改措施", "完成时限")))

    assert sheet.rows == []
    assert problems(sheet) == [("", "warning")]


def test_duplicate_columns_warn_and_the_first_is_read() -> None:
    sheet = read(csv_bytes(("具体问题", "整改措施", "备注", "备注"), ("问题", "措施", "甲", "乙")))

    assert sheet.columns["remarks"] == 3
    assert sheet.rows[0].text("remarks") == "甲"
    assert problems(sheet) == [("D1", "warning")]


def test_a_measure_without_any_finding_above_it_is_an_error() -> None:
    sheet = read(csv_bytes(("具体问题", "整改措施"), ("", "1.措施甲"), ("（一）问题", "2.措施乙")))

    assert [r.text("finding") for r in sheet.rows] == ["", "问题"]
    assert problems(sheet) == [("A2", "error")]


def test_a_new_theme_does_not_inherit_the_previous_finding() -> None:
    sheet = read(
        csv_bytes(
            ("问题类别", "具体问题", "整改措施"),
            ("一、党建", "（一）问题甲", "1.措施"),
            ("二、业务", "", "1.措施"),
        )
    )

    assert [r.text("finding") for r in sheet.rows] == ["问题甲", ""]
    assert problems(sheet) == [("B3", "error")]


def test_section_titles_typed_into_the_first_column_without_merging() -> None:
    sheet = read(
        csv_bytes(
            ("序号", "具体问题", "整改措施"),
            ("一、党的建设方面", "", ""),
            ("1", "（一）问题", "1.措施"),
            ("2", "", ""),  # a numbered template row left empty
        )
    )

    assert [(r.row_number, r.theme_number, r.text("theme")) for r in sheet.rows] == [
        (3, "一、", "党的建设方面")
    ]
    assert sheet.problems == []


def test_a_merged_section_row_keeping_its_number_in_the_seq_column() -> None:
    sheet = read(samples.sections_with_seq_numbers())

    assert [(r.row_number, r.theme_number, cells(r)["theme"]) for r in sheet.rows] == [
        (3, "", ("党的政治建设方面", "B2")),
        (5, "", ("全面从严治党方面", "B4")),
    ]
    assert [cells(r)["measure"] for r in sheet.rows] == [("建立制度", "C3"), ("加强监督", "C5")]
    assert [cells(r)["seq"] for r in sheet.rows] == [("1", "A3"), ("1", "A5")]
    assert sheet.problems == []


# ---------------------------------------------------------------------------------------------
# Hostile and wrong files.

HOSTILE_SECONDS = 5.0


@pytest.mark.parametrize(
    ("builder", "code"),
    [
        (samples.zip_bomb, LedgerErrorCode.ZIP_BOMB),
        (samples.million_rows, LedgerErrorCode.TOO_MANY_ROWS),
        (samples.huge_merge, LedgerErrorCode.TOO_LARGE),
        (samples.encrypted_xlsx, LedgerErrorCode.ENCRYPTED),
        (samples.macro_xlsx, LedgerErrorCode.MACRO),
        (lambda: samples.macro_xlsx(content_type_only=True), LedgerErrorCode.MACRO),
        (samples.pdf_file, LedgerErrorCode.NOT_SPREADSHEET),
        (samples.empty_file, LedgerErrorCode.NOT_SPREADSHEET),
        (samples.random_bytes, LedgerErrorCode.NOT_SPREADSHEET),
        (samples.word_document_zip, LedgerErrorCode.NOT_SPREADSHEET),
        (samples.html_table_xls, LedgerErrorCode.NOT_SPREADSHEET),
        (samples.ole_not_a_workbook, LedgerErrorCode.NOT_SPREADSHEET),
        (samples.no_header_sheet, LedgerErrorCode.NO_HEADER),
    ],
    ids=[
        "zip_bomb",
        "million_rows",
        "huge_merge",
        "encrypted",
        "macro",
        "macro_content_type",
        "pdf",
        "empty",
        "random_bytes",
        "docx",
        "html",
        "ole_garbage",
        "no_header",
    ],
)
def test_hostile_and_wrong_files_are_refused_quickly(
    builder: Callable[[], bytes], code: str
) -> None:
    data = builder()

    started = time.perf_counter()
    error = refuse(data)
    elapsed = time.perf_counter() - started

    assert error.code == code
    assert error.message == str(error)
    assert elapsed < HOSTILE_SECONDS


def test_the_total_unpacked_size_is_limited_before_parsing() -> None:
    data = samples.simple_header()

    # The packed file fits the limit; what it unpacks to does not.
    assert refuse(data, max_uncompressed_bytes=len(data) + 100).code == LedgerErrorCode.ZIP_BOMB


def test_a_file_larger_than_the_limit_is_refused_unread() -> None:
    data = samples.csv_ledger()

    assert refuse(data, max_uncompressed_bytes=len(data) - 1).code == LedgerErrorCode.TOO_LARGE


@pytest.mark.parametrize("title_rows", [0, 3])
def test_data_rows_are_counted_against_max_rows(title_rows: int) -> None:
    above = [("巡视整改台账",)] * title_rows + [("具体问题", "整改措施")]
    fits = above + [("问题", f"措施{n}") for n in range(40)]
    too_many = above + [("问题", f"措施{n}") for n in range(41)]

    assert len(read(csv_bytes(*fits), max_rows=40).rows) == 40
    assert refuse(csv_bytes(*too_many), max_rows=40).code == LedgerErrorCode.TOO_MANY_ROWS


def test_a_flood_of_empty_rows_is_refused_before_loading() -> None:
    assert len(read(samples.empty_rows_flood(rows=9000), max_rows=100).rows) == 1
    flood = samples.empty_rows_flood(rows=10_001)

    assert refuse(flood, max_rows=100).code == LedgerErrorCode.TOO_MANY_ROWS


def test_too_many_cells_are_refused() -> None:
    # 600 rows fit max_rows=1000, but 600 x 62 cells pass the budget of 30 cells a row.
    wide = [("具体问题", "整改措施", *(f"列{n}" for n in range(60)))]
    wide += [("问题", "措施", *(str(n) for n in range(60)))] * 600

    assert refuse(csv_bytes(*wide), max_rows=1000).code == LedgerErrorCode.TOO_LARGE


def test_a_csv_cell_beyond_the_csv_field_limit_is_refused_as_too_large() -> None:
    data = csv_bytes(("具体问题", "整改措施"), ("问题", "长" * 200_000))

    assert refuse(data, filename="台账.csv").code == LedgerErrorCode.TOO_LARGE


def test_the_no_header_message_names_the_expected_columns() -> None:
    with translation.override("en"):
        error = refuse(samples.no_header_sheet())

    assert "整改措施" in error.message
    assert "具体问题" in error.message
