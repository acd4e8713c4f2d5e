"""Twelve ledgers in the layouts offices really keep, for the import corpus test.

Each builder returns ``(filename, bytes)`` as the office would upload the file. The layouts are
the ones circulated between offices: two-row headers with a merged group over the unit
columns, a finding merged over its measure rows, combined 责任单位/责任人 columns, group
phrases instead of unit lists (各党支部, 全院各单位, "X系等单位"), people not in the directory,
a heading naming two themes, numbering that restarts under each theme, deadlines written every
way people write them, and a CSV saved by WPS in GB18030. The inspection they are imported
into received its feedback on 2024-01-15 (see conftest.sample_inspection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook  # type: ignore[import-untyped,unused-ignore]

Ledger = tuple[str, bytes]


def _book(rows: Sequence[Sequence[object]], *, first_row: int = 1) -> tuple[Any, Any]:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "整改台账"
    for offset, values in enumerate(rows):
        for col, value in enumerate(values, start=1):
            if value is not None and value != "":
                sheet.cell(row=first_row + offset, column=col, value=value)
    return workbook, sheet


def _bytes(workbook: Any) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def wechat_two_row_header() -> Ledger:
    """The ledger circulated by WeChat: title A1:H1, header rows 2-3 with "责任主体" merged over
    E2:G2 (责任领导 | 牵头单位 | 责任人 in row 3), the finding B4 merged over B4:B6 and its theme
    in A4:A6, the other headers merged down. Leaders and persons are not in the directory."""
    workbook, sheet = _book([], first_row=1)
    sheet["A1"] = "关于巡察反馈意见整改落实情况台账"
    sheet.merge_cells("A1:H1")
    for col, text in zip(
        "ABCDH", ("问题类别", "具体问题", "序号", "整改措施", "完成时限"), strict=True
    ):
        sheet[f"{col}2"] = text
        sheet.merge_cells(f"{col}2:{col}3")
    sheet["E2"] = "责任主体"
    sheet.merge_cells("E2:G2")
    sheet["E3"], sheet["F3"], sheet["G3"] = "责任领导", "牵头单位", "责任人"
    rows = [
        ("党的建设", "（一）基层党组织标准化建设不到位", 1, "1.制定标准化建设方案"),
        (None, None, 2, "2.开展支部达标创建"),
        (None, None, 3, "3.建立考核机制"),
    ]
    for offset, (theme, finding, seq, measure) in enumerate(rows):
        r = 4 + offset
        if theme:
            sheet[f"A{r}"], sheet[f"B{r}"] = theme, finding
        sheet[f"C{r}"], sheet[f"D{r}"] = seq, measure
    sheet["E4"], sheet["F4"], sheet["G4"], sheet["H4"] = "王某某", "组织部", "刘某", "2024.3.31"
    sheet["E5"], sheet["F5"], sheet["G5"], sheet["H5"] = "王某某", "各党支部", "", "2024年6月底"
    sheet["E6"], sheet["F6"], sheet["G6"], sheet["H6"] = "王某某", "组织部", "刘洋", "长期坚持"
    sheet.merge_cells("A4:A6")
    sheet.merge_cells("B4:B6")
    return "微信群台账.xlsx", _bytes(workbook)


def combined_unit_person() -> Ledger:
    """One header row: 问题类别|具体问题|整改措施|责任单位及责任人|完成时限; the unit and the
    person in one cell ("党委办公室 张三"), and a person not in the directory ("党委办公室
    赵某")."""
    workbook, _sheet = _book(
        [
            ("问题类别", "具体问题", "整改措施", "责任单位及责任人", "完成时限"),
            (
                "党风廉政建设",
                "（一）廉政风险排查不全面",
                "1.全面排查风险点",
                "纪委办公室 张三",
                "2024-04-30",
            ),
            (
                "党风廉政建设",
                "（一）廉政风险排查不全面",
                "2.完善防控措施",
                "党委办公室 赵某",
                "2024-05-31",
            ),
        ]
    )
    return "责任单位及责任人.xlsx", _bytes(workbook)


def group_phrases_as_lead() -> Ledger:
    """Lead units written as group phrases: 各党支部 (row 2), "各党支部、各职能部门" (row 3),
    "航空运输系等单位" (row 4), 全院各单位 (row 5), 各系（部） (row 6)."""
    workbook, _sheet = _book(
        [
            ("问题类别", "具体问题", "整改措施", "牵头单位", "完成时限"),
            ("党的建设", "（一）“三会一课”不规范", "1.规范组织生活", "各党支部", "2024-06-30"),
            (
                "党的建设",
                "（一）“三会一课”不规范",
                "2.开展自查",
                "各党支部、各职能部门",
                "2024-06-30",
            ),
            ("党的建设", "（一）“三会一课”不规范", "3.建立台账", "航空运输系等单位", "2024-06-30"),
            ("党的建设", "（一）“三会一课”不规范", "4.通报情况", "全院各单位", "2024-06-30"),
            ("党的建设", "（一）“三会一课”不规范", "5.教研室支部建设", "各系（部）", "2024-06-30"),
        ]
    )
    return "分派多个单位.xlsx", _bytes(workbook)


def group_phrases_as_co_units() -> Ledger:
    """Co-operating units written as group phrases: 各职能部门 (row 2), 各党支部 (row 3), and a
    collective phrase the organization does not list, 相关单位 (row 4)."""
    workbook, _sheet = _book(
        [
            ("问题类别", "具体问题", "整改措施", "牵头单位", "配合单位", "完成时限"),
            (
                "意识形态工作",
                "（一）阵地管理不严",
                "1.清理宣传阵地",
                "宣传部",
                "各职能部门",
                "2024-05-31",
            ),
            (
                "意识形态工作",
                "（一）阵地管理不严",
                "2.落实审批制度",
                "宣传部",
                "各党支部",
                "2024-05-31",
            ),
            (
                "意识形态工作",
                "（一）阵地管理不严",
                "3.定期检查",
                "宣传部",
                "相关单位",
                "2024-05-31",
            ),
        ]
    )
    return "配合单位词组.xlsx", _bytes(workbook)


def all_people_unknown() -> Ledger:
    """Every leader and person is missing from the directory; one leader cell names two people
    (row 3), one person carries a title in brackets (row 4: "钱某（副处长）")."""
    workbook, _sheet = _book(
        [
            ("问题类别", "具体问题", "整改措施", "责任领导", "牵头单位", "责任人", "完成时限"),
            (
                "思想政治工作",
                "（一）课程思政推进慢",
                "1.制定实施方案",
                "冯某某",
                "教务处",
                "褚某、卫某",
                "2024-06-30",
            ),
            (
                "思想政治工作",
                "（一）课程思政推进慢",
                "2.开展示范课评选",
                "冯某某、蒋某",
                "教务处",
                "沈某",
                "2024-09-30",
            ),
            (
                "思想政治工作",
                "（二）思政队伍不足",
                "1.补充辅导员",
                "韩某",
                "人事处",
                "钱某（副处长）",
                "2024-12-31",
            ),
        ]
    )
    return "人员均不在名录.xlsx", _bytes(workbook)


def ambiguous_theme() -> Ledger:
    """Section rows merged across A:E: "一、党的建设和党风廉政建设方面" names two themes (row 2),
    "二、意识形态工作方面" one (row 4); measures in rows 3 and 5."""
    workbook, sheet = _book(
        [
            ("具体问题", "整改措施", "牵头单位", "责任人", "完成时限"),
            ("一、党的建设和党风廉政建设方面",),
            ("（一）主体责任落实不到位", "1.制定责任清单", "党委办公室", "张红", "2024-06-30"),
            ("二、意识形态工作方面",),
            ("（一）网络舆情处置不及时", "1.完善舆情预案", "宣传部", "周丽", "2024-06-30"),
        ]
    )
    sheet.merge_cells("A2:E2")
    sheet.merge_cells("A4:E4")
    return "两个主题.xlsx", _bytes(workbook)


def restarting_numbers() -> Ledger:
    """Themes as section rows ("一、" row 2, "二、" row 6); findings （一）（二） restart under each
    theme and measures 1. 2. under each finding. Under theme 二 the finding （一） appears twice
    with different texts (rows 7 and 8): the one real duplicate."""
    workbook, sheet = _book(
        [
            ("具体问题", "整改措施", "牵头单位", "完成时限"),
            ("一、党的建设方面",),
            ("（一）组织生活不规范", "1.规范组织生活", "党委办公室", "2024-06-30"),
            (None, "2.开展督查", "党委办公室", "2024-07-31"),
            ("（二）发展党员把关不严", "1.严格程序", "组织部", "2024-06-30"),
            ("二、党风廉政建设方面",),
            ("（一）公务接待不规范", "1.修订接待办法", "财务处", "2024-05-31"),
            ("（一）公车管理不严", "1.建立用车台账", "后勤处", "2024-05-31"),
        ]
    )
    sheet.merge_cells("A2:D2")
    sheet.merge_cells("A6:D6")
    return "编号重新开始.xlsx", _bytes(workbook)


def dates_as_written() -> Ledger:
    """Deadlines in E2-E13 written the ways ledgers write them, with odd spaces, a line break,
    a trailing note and a note in brackets inside the text."""
    deadlines = [
        "2024.3.31",
        "2024年3月底",
        "3月31日前",
        "即知即改",
        "立行立改",
        "长期坚持",
        "持续推进",
        "2024年6月底前完成并长期坚持",
        "2024年6月\u00a0底前",
        "2024年\u30006月30日",
        "2024年9月底\n（已完成）",
        "2024年6月底前（阶段性），长期坚持",
    ]
    rows: list[tuple[object, ...]] = [("问题类别", "具体问题", "整改措施", "牵头单位", "完成时限")]
    for index, deadline in enumerate(deadlines, start=1):
        rows.append(
            ("内控建设", "（一）内控制度不健全", f"{index}.措施{index}", "财务处", deadline)
        )
    workbook, _sheet = _book(rows)
    return "各种时限.xlsx", _bytes(workbook)


def every_error_at_once() -> Ledger:
    """Row 2 holds three independent errors: an unknown lead unit (D2), an unknown co-operating
    unit (E2) and a due date before the feedback (F2). Row 3 is well formed; row 4 has no lead
    unit and an unreadable deadline."""
    workbook, _sheet = _book(
        [
            ("问题类别", "具体问题", "整改措施", "牵头单位", "配合单位", "完成时限"),
            (
                "内控建设",
                "（一）采购管理不规范",
                "1.修订采购办法",
                "采购中心",
                "审计室",
                "2023-12-31",
            ),
            ("内控建设", "（一）采购管理不规范", "2.开展专项检查", "财务处", None, "2024-06-30"),
            ("内控建设", "（一）采购管理不规范", "3.建立台账", None, None, "尽快"),
        ]
    )
    return "一行多个错误.xlsx", _bytes(workbook)


def ambiguous_person() -> Ledger:
    """Two people in the directory are named 张伟 (see the test's fixture): row 2 names 张伟 as
    the responsible person; row 3 names 王建国, who is known."""
    workbook, _sheet = _book(
        [
            ("问题类别", "具体问题", "整改措施", "牵头单位", "责任人", "完成时限"),
            ("党的建设", "（一）干部培训不足", "1.制定培训计划", "人事处", "张伟", "2024-06-30"),
            ("党的建设", "（一）干部培训不足", "2.组织专题培训", "人事处", "王建国", "2024-09-30"),
        ]
    )
    return "同名人员.xlsx", _bytes(workbook)


def title_notes_and_blank_rows() -> Ledger:
    """A title (A1), a 填报单位 line (A2), the header in row 3, a blank row 5 between measures,
    a 备注 column, progress written in words, and the finding merged over B4:B6."""
    workbook, sheet = _book(
        [
            ("航空学院巡察整改工作台账",),
            ("填报单位：党委办公室    填报时间：2024年2月1日",),
            ("问题类别", "具体问题", "整改措施", "牵头单位", "完成时限", "整改进展", "备注"),
            (
                "党的建设",
                "（一）制度执行不严",
                "1.梳理制度",
                "党委办公室",
                "2024-04-30",
                "已完成梳理",
                "无",
            ),
            (None, None, None, None, None, None, None),
            (None, None, "2.开展检查", "党委办公室", "2024-06-30", "50%", None),
        ]
    )
    sheet.merge_cells("A4:A6")
    sheet.merge_cells("B4:B6")
    return "带标题和备注.xlsx", _bytes(workbook)


def wps_gb18030_csv() -> Ledger:
    """A CSV saved by WPS in GB18030: one header row, a group phrase, a person not in the
    directory and a deadline with a trailing note."""
    rows = [
        ["问题类别", "具体问题", "整改措施", "牵头单位", "责任人", "完成时限"],
        [
            "党风廉政建设",
            "（一）作风建设不实",
            "1.开展作风整顿",
            "各职能部门",
            "杨某",
            "2024年4月底",
        ],
        [
            "党风廉政建设",
            "（一）作风建设不实",
            "2.建立通报制度",
            "纪委办公室",
            "张三",
            "2024年5月31日前（视情况）",
        ],
    ]
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(rows)
    return "WPS导出.csv", text.getvalue().encode("gb18030")


CORPUS = (
    wechat_two_row_header,
    combined_unit_person,
    group_phrases_as_lead,
    group_phrases_as_co_units,
    all_people_unknown,
    ambiguous_theme,
    restarting_numbers,
    dates_as_written,
    every_error_at_once,
    ambiguous_person,
    title_notes_and_blank_rows,
    wps_gb18030_csv,
)
