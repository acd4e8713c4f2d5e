"""The official-document builder writes the GB/T 9704 layout into real .docx files.

Each test builds a document, reopens its bytes with python-docx and reads the layout back out
of the file, the way Word would; the last one has LibreOffice print it.
"""

from __future__ import annotations

import datetime
import io
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_PARAGRAPH_ALIGNMENT
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from documents.docx_official import (
    BODY_FONT,
    CHAR_SPACING_TWENTIETHS,
    HEADING1_FONT,
    HEADING2_FONT,
    PAGE_NUMBER_FONT,
    TITLE_FONT,
    OfficialDocument,
    chinese_date,
    chinese_numeral,
    heading_prefix,
    vertical_merge_plan,
)

OUTPUT_DIR = Path(__file__).resolve().parents[2] / "test-output" / "docx"
ISSUE_DATE = datetime.date(2021, 3, 22)
ORG = "中共某某职业技术学院委员会"
LONG_BODY = (
    "按照省委第三巡视组反馈意见要求，学院党委高度重视，坚持把巡视整改作为重大政治任务，"
    "切实扛起整改主体责任，成立整改工作领导小组，实行网格化管理，逐项明确责任人和完成时限，"
    "做到问题不查清不放过、整改不到位不放过、群众不满意不放过。"
)
TASK_HEADER = ["序号", "存在问题", "整改措施", "责任单位", "完成时限"]
TASK_ROWS = [
    ["1", "理论学习中心组学习制度落实不到位。", "制定年度学习计划。", "党委办公室", "立行立改"],
    [
        "1",
        "理论学习中心组学习制度落实不到位。",
        "每月开展集中研讨。",
        "党委办公室",
        "2021年6月30日",
    ],
    [
        "2",
        "意识形态工作责任制落实不够有力。",
        "修订意识形态工作责任制实施细则。",
        "党委宣传部",
        "2021年6月30日",
    ],
    ["2", "意识形态工作责任制落实不够有力。", "开展专题培训。", "党委宣传部", "长期坚持"],
    ["3", "基层党支部组织生活不够规范。", "3月底前完成组织生活会。", "各党支部", "2021年3月31日"],
]


def build_report() -> OfficialDocument:
    """A progress report with every element, then a landscape task division table."""
    document = OfficialDocument()
    document.title("关于巡视整改工作进展情况的报告")
    document.subtitle(f"（{chinese_date(ISSUE_DATE)}）")
    document.addressee("省委巡视工作领导小组")
    document.paragraph(LONG_BODY)
    document.heading("总体进展情况", level=1)
    document.paragraph("反馈的12个问题中已完成整改9个。", bold_lead="一是")
    document.heading("加强组织领导。", level=2, run_in="成立领导小组，下设整改办公室。")
    document.heading("明确责任分工", level=3)
    document.heading("细化整改措施", level=4)
    document.heading("下一步工作打算", level=1)
    document.heading("巩固整改成果", level=2)
    document.paragraph("附件：巡视整改任务分工表", indent=False)
    document.signature(ORG, ISSUE_DATE)
    document.landscape_section()
    document.title("巡视整改任务分工表")
    document.table(
        TASK_HEADER,
        TASK_ROWS,
        widths_mm=[15, 70, 80, 30, 30],
        merge_down=[0, 1],
        center_columns=[0, 3, 4],
    )
    document.portrait_section()
    document.paragraph("此页为竖排。")
    return document


def reopen(document: OfficialDocument) -> DocxDocument:
    return docx.Document(io.BytesIO(document.to_bytes()))


@pytest.fixture(scope="module")
def report() -> DocxDocument:
    return reopen(build_report())


# --- Reading effective formatting back, as Word resolves it -----------------------------------


def rpr_chain(
    document: DocxDocument, paragraph: Paragraph, run: Run | None
) -> Iterator[BaseOxmlElement]:
    """Run properties from the run out to the document defaults, nearest first."""
    if run is not None and run._r.rPr is not None:
        yield run._r.rPr
    style = paragraph.style
    while style is not None:
        if style.element.rPr is not None:
            yield style.element.rPr
        style = style.base_style
    defaults = document.styles.element.find(qn("w:docDefaults"))
    assert defaults is not None
    default_rpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
    if default_rpr is not None:
        yield default_rpr


def ppr_chain(paragraph: Paragraph) -> Iterator[BaseOxmlElement]:
    if paragraph._p.pPr is not None:
        yield paragraph._p.pPr
    style = paragraph.style
    while style is not None:
        if style.element.pPr is not None:
            yield style.element.pPr
        style = style.base_style


def attr_of(properties: BaseOxmlElement, tag: str, attr: str) -> str | None:
    child = properties.find(qn(tag))
    if child is None:
        return None
    value = child.get(qn(f"w:{attr}"))
    return None if value is None else str(value)


def run_attr(
    document: DocxDocument, paragraph: Paragraph, tag: str, attr: str, run: Run | None = None
) -> str | None:
    for rpr in rpr_chain(document, paragraph, run if run is not None else paragraph.runs[0]):
        value = attr_of(rpr, tag, attr)
        if value is not None:
            return value
    return None


def para_attr(paragraph: Paragraph, tag: str, attr: str) -> str | None:
    for ppr in ppr_chain(paragraph):
        value = attr_of(ppr, tag, attr)
        if value is not None:
            return value
    return None


def fonts_of(
    document: DocxDocument, paragraph: Paragraph, run: Run | None = None
) -> dict[str, str | None]:
    return {
        slot: run_attr(document, paragraph, "w:rFonts", slot, run)
        for slot in ("ascii", "hAnsi", "eastAsia")
    }


def size_pt(document: DocxDocument, paragraph: Paragraph, run: Run | None = None) -> float:
    half_points = run_attr(document, paragraph, "w:sz", "val", run)
    assert half_points is not None
    return int(half_points) / 2


def alignment_of(paragraph: Paragraph) -> str | None:
    return para_attr(paragraph, "w:jc", "val")


def paragraph_starting(document: DocxDocument, prefix: str) -> Paragraph:
    return next(p for p in document.paragraphs if p.text.startswith(prefix))


def mm(length: int | None) -> float:
    assert length is not None
    return length / 36000


def body_paragraphs(document: DocxDocument) -> list[Paragraph]:
    return [p for p in document.paragraphs if p.text]


# --- Page set-up ------------------------------------------------------------------------------


def test_page_is_a4_portrait_with_the_national_margins(report: DocxDocument) -> None:
    section = report.sections[0]
    assert section.orientation == WD_ORIENT.PORTRAIT
    assert mm(section.page_width) == pytest.approx(210, abs=0.1)
    assert mm(section.page_height) == pytest.approx(297, abs=0.1)
    assert mm(section.top_margin) == pytest.approx(37, abs=0.1)
    assert mm(section.bottom_margin) == pytest.approx(35, abs=0.1)
    assert mm(section.left_margin) == pytest.approx(28, abs=0.1)
    assert mm(section.right_margin) == pytest.approx(26, abs=0.1)


def test_the_body_sits_on_a_28_point_line_grid(report: DocxDocument) -> None:
    grid = report.sections[0]._sectPr.find(qn("w:docGrid"))
    assert grid is not None
    assert grid.get(qn("w:linePitch")) == "560"
    assert grid.get(qn("w:type")) == "lines"
    # 22 lines of 28 pt fit in the 225 mm text block, a 23rd does not.
    text_height_pt = (297 - 37 - 35) / 25.4 * 72
    assert int(text_height_pt // 28) == 22


def test_landscape_section_turns_the_sheet_and_its_margins_then_portrait_returns(
    report: DocxDocument,
) -> None:
    assert len(report.sections) == 3
    landscape, portrait = report.sections[1], report.sections[2]
    assert landscape.orientation == WD_ORIENT.LANDSCAPE
    assert mm(landscape.page_width) == pytest.approx(297, abs=0.1)
    assert mm(landscape.page_height) == pytest.approx(210, abs=0.1)
    # The binding edge (28 mm) is now at the top; the text block keeps its 156 x 225 mm.
    assert mm(landscape.top_margin) == pytest.approx(28, abs=0.1)
    assert mm(landscape.bottom_margin) == pytest.approx(26, abs=0.1)
    assert mm(landscape.left_margin) + mm(landscape.right_margin) == pytest.approx(72, abs=0.1)
    assert portrait.orientation == WD_ORIENT.PORTRAIT
    assert mm(portrait.page_width) == pytest.approx(210, abs=0.1)
    assert mm(portrait.top_margin) == pytest.approx(37, abs=0.1)


def test_a_document_can_start_in_landscape() -> None:
    document = OfficialDocument(landscape=True)
    document.table(["序号", "任务"], [["1", "制定计划"]])
    section = reopen(document).sections[0]
    assert section.orientation == WD_ORIENT.LANDSCAPE
    assert mm(section.page_width) == pytest.approx(297, abs=0.1)
    assert mm(section.page_height) == pytest.approx(210, abs=0.1)


# --- Type ---------------------------------------------------------------------------------------


def test_title_is_xiaobiaosong_erhao_centred(report: DocxDocument) -> None:
    title = report.paragraphs[0]
    assert title.text == "关于巡视整改工作进展情况的报告"
    assert fonts_of(report, title) == {
        "ascii": TITLE_FONT,
        "hAnsi": TITLE_FONT,
        "eastAsia": TITLE_FONT,
    }
    assert size_pt(report, title) == 22
    assert alignment_of(title) == "center"
    assert report.core_properties.title == "关于巡视整改工作进展情况的报告"


def test_title_font_falls_back_to_xiaobiaosong_in_the_font_table(report: DocxDocument) -> None:
    part = next(
        p for p in report.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml"
    )
    fonts = docx.oxml.parse_xml(part.blob)
    by_name = {f.get(qn("w:name")): f for f in fonts.findall(qn("w:font"))}
    for name in (TITLE_FONT, BODY_FONT, HEADING1_FONT, HEADING2_FONT, PAGE_NUMBER_FONT):
        assert name in by_name
        assert by_name[name].find(qn("w:charset")).get(qn("w:val")) == "86"
    assert by_name[TITLE_FONT].find(qn("w:altName")).get(qn("w:val")) == "小标宋"


def test_subtitle_is_kaiti_centred_and_keeps_the_blank_line_after_the_title_block(
    report: DocxDocument,
) -> None:
    title, subtitle = report.paragraphs[0], report.paragraphs[1]
    assert subtitle.text == "（2021年3月22日）"
    assert fonts_of(report, subtitle)["eastAsia"] == HEADING2_FONT
    assert size_pt(report, subtitle) == 16
    assert alignment_of(subtitle) == "center"
    assert para_attr(title, "w:spacing", "after") == "0"
    assert para_attr(subtitle, "w:spacing", "after") == "560"


def test_body_is_fangsong_sanhao_indented_two_characters_on_exact_28_point_lines(
    report: DocxDocument,
) -> None:
    body = paragraph_starting(report, "按照省委")
    assert fonts_of(report, body) == {"ascii": BODY_FONT, "hAnsi": BODY_FONT, "eastAsia": BODY_FONT}
    assert size_pt(report, body) == 16
    assert para_attr(body, "w:ind", "firstLineChars") == "200"
    assert para_attr(body, "w:ind", "firstLine") == "640"  # two 16 pt characters in twips
    assert para_attr(body, "w:spacing", "line") == "560"
    assert para_attr(body, "w:spacing", "lineRule") == "exact"
    assert alignment_of(body) == "both"
    # Condensed just enough for 28 characters in the 156 mm line.
    spacing = run_attr(report, body, "w:spacing", "val")
    assert spacing is not None
    assert 28 * (16 + int(spacing) / 20) <= 156 / 25.4 * 72 < 28 * (16 + (int(spacing) + 1) / 20)


def test_normal_style_and_document_defaults_carry_the_body_fonts(report: DocxDocument) -> None:
    normal = report.styles["Normal"]
    rfonts = normal.element.rPr.find(qn("w:rFonts"))
    assert rfonts.get(qn("w:ascii")) == BODY_FONT
    assert rfonts.get(qn("w:eastAsia")) == BODY_FONT
    assert normal.font.size.pt == 16
    defaults = report.styles.element.find(
        f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}"
    )
    default_fonts = defaults.find(qn("w:rFonts"))
    assert default_fonts.get(qn("w:eastAsia")) == BODY_FONT
    # Theme fonts would override the names; the template's Japanese ones must be gone.
    assert default_fonts.get(qn("w:eastAsiaTheme")) is None
    assert default_fonts.get(qn("w:asciiTheme")) is None
    assert defaults.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"


@pytest.mark.parametrize(
    ("prefix", "font"),
    [
        ("一、总体进展情况", HEADING1_FONT),
        ("（一）加强组织领导。", HEADING2_FONT),
        ("1.明确责任分工", BODY_FONT),
        ("（1）细化整改措施", BODY_FONT),
    ],
)
def test_heading_levels_use_their_fonts_and_numbering(
    report: DocxDocument, prefix: str, font: str
) -> None:
    heading = paragraph_starting(report, prefix)
    assert fonts_of(report, heading) == {"ascii": font, "hAnsi": font, "eastAsia": font}
    assert size_pt(report, heading) == 16
    assert para_attr(heading, "w:ind", "firstLineChars") == "200"


def test_numbering_restarts_lower_levels_under_a_new_heading(report: DocxDocument) -> None:
    texts = [p.text for p in report.paragraphs]
    assert "二、下一步工作打算" in texts
    assert "（一）巩固整改成果" in texts  # not （二）: it sits under a new level-1 heading
    outline = para_attr(paragraph_starting(report, "二、"), "w:outlineLvl", "val")
    assert outline == "0"


def test_run_in_text_continues_a_heading_in_body_type(report: DocxDocument) -> None:
    heading = paragraph_starting(report, "（一）加强组织领导。")
    assert heading.text == "（一）加强组织领导。成立领导小组，下设整改办公室。"
    lead, rest = heading.runs
    assert fonts_of(report, heading, lead)["eastAsia"] == HEADING2_FONT
    assert fonts_of(report, heading, rest) == {
        "ascii": BODY_FONT,
        "hAnsi": BODY_FONT,
        "eastAsia": BODY_FONT,
    }


def test_bold_lead_is_a_bold_run_before_the_text(report: DocxDocument) -> None:
    paragraph = paragraph_starting(report, "一是")
    lead, rest = paragraph.runs
    assert (lead.text, lead.bold) == ("一是", True)
    assert rest.text == "反馈的12个问题中已完成整改9个。"
    assert not rest.bold


def test_unindented_paragraph_and_addressee_are_flush_left(report: DocxDocument) -> None:
    attachment = paragraph_starting(report, "附件")
    assert para_attr(attachment, "w:ind", "firstLineChars") == "0"
    addressee = paragraph_starting(report, "省委巡视")
    assert addressee.text == "省委巡视工作领导小组："  # the colon is supplied
    assert para_attr(addressee, "w:ind", "firstLineChars") == "0"
    assert fonts_of(report, addressee)["eastAsia"] == BODY_FONT


# --- Signature --------------------------------------------------------------------------------


def right_chars(paragraph: Paragraph) -> float:
    value = para_attr(paragraph, "w:ind", "rightChars")
    assert value is not None
    return int(value) / 100


def test_signature_and_date_are_right_aligned_after_a_blank_line(report: DocxDocument) -> None:
    paragraphs = report.paragraphs
    index = next(i for i, p in enumerate(paragraphs) if p.text == ORG)
    org, date = paragraphs[index], paragraphs[index + 1]
    assert date.text == "2021年3月22日"
    assert alignment_of(org) == "right"
    assert para_attr(org, "w:spacing", "before") == "560"
    assert org.paragraph_format.keep_with_next
    # 署名右空二字 ...
    assert right_chars(org) == 2
    # ... and the date's first character two body characters right of the name's first.
    pitch = 16 + CHAR_SPACING_TWENTIETHS / 20
    line_pt = (210 - 28 - 26) / 25.4 * 72
    org_start_pt = line_pt - 2 * 16 - len(ORG) * pitch
    assert alignment_of(date) == "left"
    assert date.paragraph_format.left_indent.pt == pytest.approx(org_start_pt + 2 * pitch, abs=0.1)


def test_a_long_date_under_a_short_name_keeps_two_characters_from_the_edge() -> None:
    document = OfficialDocument()
    document.signature("整改办", datetime.date(2021, 12, 31))
    reopened = reopen(document)
    org, date = body_paragraphs(reopened)
    assert right_chars(date) == 2
    assert (right_chars(org) + 3) - (right_chars(date) + 7) == 2


def test_a_sealed_signature_centres_the_name_over_a_date_four_characters_in() -> None:
    document = OfficialDocument()
    document.signature(ORG, ISSUE_DATE, sealed=True)
    org, date = body_paragraphs(reopen(document))
    assert right_chars(date) == 4
    assert right_chars(org) + len(ORG) / 2 == pytest.approx(right_chars(date) + 6.5 / 2, abs=0.01)
    assert para_attr(org, "w:spacing", "before") == "1120"  # room for the seal


# --- Page numbers -----------------------------------------------------------------------------


def assert_page_field(paragraph: Paragraph) -> None:
    xml = paragraph._p.xml
    assert 'w:fldCharType="begin"' in xml
    assert re.search(r"<w:instrText[^>]*>\s*PAGE\s*</w:instrText>", xml)
    assert 'w:fldCharType="end"' in xml
    assert paragraph.text.startswith("— ")
    assert paragraph.text.endswith(" —")


def test_footer_holds_a_page_field_between_dashes_odd_right_even_left(report: DocxDocument) -> None:
    assert report.settings.odd_and_even_pages_header_footer
    section = report.sections[0]
    odd = section.footer.paragraphs[0]
    even = section.even_page_footer.paragraphs[0]
    for paragraph in (odd, even):
        assert_page_field(paragraph)
        assert fonts_of(report, paragraph)["eastAsia"] == PAGE_NUMBER_FONT
        assert fonts_of(report, paragraph)["ascii"] == PAGE_NUMBER_FONT
        assert size_pt(report, paragraph) == 14
    assert odd.alignment == WD_PARAGRAPH_ALIGNMENT.RIGHT
    assert even.alignment == WD_PARAGRAPH_ALIGNMENT.LEFT
    # 空一字: one 四号 character from the outer edge.
    assert odd.paragraph_format.right_indent.pt == 14
    assert even.paragraph_format.left_indent.pt == 14


def test_later_sections_inherit_the_page_numbers(report: DocxDocument) -> None:
    for section in report.sections[1:]:
        assert section.footer.is_linked_to_previous
        assert section.even_page_footer.is_linked_to_previous


def test_footer_lies_seven_millimetres_under_the_text_block(report: DocxDocument) -> None:
    for section in report.sections:
        gap_mm = mm(section.bottom_margin) - mm(section.footer_distance)
        assert gap_mm == pytest.approx(7 + 14 * 25.4 / 72, abs=0.1)


# --- Tables -----------------------------------------------------------------------------------


def only_table(document: DocxDocument) -> Table:
    (table,) = document.tables
    return table


def test_table_header_is_bold_centred_and_repeats_on_each_page(report: DocxDocument) -> None:
    table = only_table(report)
    header = table.rows[0]
    tr_pr = header._tr.trPr
    assert tr_pr is not None and tr_pr.find(qn("w:tblHeader")) is not None
    assert [c.text for c in header.cells] == TASK_HEADER
    for cell in header.cells:
        paragraph = cell.paragraphs[0]
        assert run_attr(report, paragraph, "w:b", "val") in ("1", "true", "on") or (
            paragraph.style.font.bold
        )
        assert alignment_of(paragraph) == "center"
    # Only the header repeats.
    for row in table.rows[1:]:
        assert row._tr.trPr is None or row._tr.trPr.find(qn("w:tblHeader")) is None


def test_table_text_is_fangsong_xiaosi_wrapping_in_fixed_columns(report: DocxDocument) -> None:
    table = only_table(report)
    cell = table.cell(1, 2)
    paragraph = cell.paragraphs[0]
    assert fonts_of(report, paragraph)["eastAsia"] == BODY_FONT
    assert size_pt(report, paragraph) == 12
    assert para_attr(paragraph, "w:ind", "firstLineChars") == "0"
    tbl_pr = table._tbl.tblPr
    assert tbl_pr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
    assert "noWrap" not in table._tbl.xml
    widths = [round(mm(col.width)) for col in table.columns]
    assert widths == [15, 70, 80, 30, 30]


def test_table_has_all_borders_and_centres_its_cells(report: DocxDocument) -> None:
    table = only_table(report)
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    assert borders is not None
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        assert borders.find(qn(f"w:{edge}")).get(qn("w:val")) == "single"
    assert table.cell(1, 0).vertical_alignment == WD_CELL_VERTICAL_ALIGNMENT.CENTER
    assert table.cell(1, 0).paragraphs[0].alignment == WD_PARAGRAPH_ALIGNMENT.CENTER
    assert alignment_of(table.cell(1, 2).paragraphs[0]) == "left"


def test_a_finding_merges_down_across_its_measures(report: DocxDocument) -> None:
    table = only_table(report)
    # Rows 1-2 share finding 1, rows 3-4 finding 2, row 5 stands alone.
    for column in (0, 1):
        assert table.cell(1, column)._tc is table.cell(2, column)._tc
        assert table.cell(3, column)._tc is table.cell(4, column)._tc
        assert table.cell(2, column)._tc is not table.cell(3, column)._tc
        assert table.cell(5, column)._tc is not table.cell(4, column)._tc
    assert table.cell(2, 1).text == "理论学习中心组学习制度落实不到位。"
    # The measures, units and deadlines were not asked to merge, even where equal.
    assert table.cell(1, 3)._tc is not table.cell(2, 3)._tc
    raw = table.rows[2]._tr.tc_lst
    assert raw[0].vMerge == "continue" and raw[1].vMerge == "continue"
    assert raw[2].vMerge is None
    assert table.rows[1]._tr.tc_lst[0].vMerge == "restart"


def test_merging_follows_earlier_merge_columns_and_skips_blanks() -> None:
    rows = [
        ["1", "甲", "党委办公室"],
        ["1", "甲", "党委办公室"],
        ["2", "甲", "党委办公室"],
        ["2", "", ""],
        ["2", "", ""],
    ]
    plan = vertical_merge_plan(rows, [0, 1, 2])
    assert [r[0] for r in plan] == [False, True, False, True, True]
    # Column 1 is equal on rows 2-3 but they belong to different findings.
    assert [r[1] for r in plan] == [False, True, False, False, False]
    assert [r[2] for r in plan] == [False, True, False, False, False]


def test_default_column_widths_share_the_text_width() -> None:
    document = OfficialDocument()
    document.table(["序号", "任务", "责任单位"], [["1", "制定计划", "党委办公室"]])
    document.landscape_section()
    document.table(["序号", "任务"], [["1", "制定计划"]])
    portrait, landscape = reopen(document).tables
    assert sum(mm(c.width) for c in portrait.columns) == pytest.approx(156, abs=0.5)
    assert sum(mm(c.width) for c in landscape.columns) == pytest.approx(225, abs=0.5)


def test_sihao_tables_size_their_text_and_line_breaks_survive() -> None:
    document = OfficialDocument()
    document.table(["事项"], [["第一行\n第二行"]], font_size_pt=14)
    reopened = reopen(document)
    cell = only_table(reopened).cell(1, 0)
    assert cell.text == "第一行\n第二行"
    assert size_pt(reopened, cell.paragraphs[0]) == 14


@pytest.mark.parametrize(
    ("header", "rows", "options"),
    [
        ([], [], {}),
        (["序号", "任务"], [["1"]], {}),
        (["序号", "任务"], [["1", "甲"]], {"merge_down": [2]}),
        (["序号", "任务"], [["1", "甲"]], {"center_columns": [-1]}),
        (["序号", "任务"], [["1", "甲"]], {"widths_mm": [10]}),
        (["序号", "任务"], [["1", "甲"]], {"widths_mm": [10, 0]}),
        (["序号", "任务"], [["1", "甲"]], {"font_size_pt": 0}),
    ],
)
def test_malformed_tables_are_refused(
    header: list[str], rows: list[list[str]], options: dict[str, object]
) -> None:
    with pytest.raises(ValueError):
        OfficialDocument().table(header, rows, **options)  # type: ignore[arg-type]


# --- Flow -------------------------------------------------------------------------------------


def test_page_break_starts_the_next_paragraph_on_a_new_page() -> None:
    document = OfficialDocument()
    document.paragraph("第一页")
    document.page_break()
    document.paragraph("第二页")
    first, second = body_paragraphs(reopen(document))
    assert not first.paragraph_format.page_break_before
    assert second.paragraph_format.page_break_before
    assert second.text == "第二页"


def test_page_break_before_a_table_is_an_explicit_break() -> None:
    document = OfficialDocument()
    document.paragraph("正文")
    document.page_break()
    document.table(["序号"], [["1"]])
    reopened = reopen(document)
    body = reopened.element.body
    table_index = body.index(reopened.tables[0]._tbl)
    assert 'w:type="page"' in body[table_index - 1].xml


def test_unknown_heading_level_is_refused() -> None:
    with pytest.raises(ValueError):
        OfficialDocument().heading("其他", level=5)


def test_unnumbered_headings_keep_their_own_text() -> None:
    document = OfficialDocument()
    document.heading("一、已有编号", level=1, numbered=False)
    (heading,) = body_paragraphs(reopen(document))
    assert heading.text == "一、已有编号"


# --- Chinese numbers and dates ----------------------------------------------------------------


def test_chinese_date_has_no_leading_zeros() -> None:
    assert chinese_date(datetime.date(2021, 3, 22)) == "2021年3月22日"
    assert chinese_date(datetime.date(2021, 10, 1)) == "2021年10月1日"


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (1, "一"),
        (9, "九"),
        (10, "十"),
        (11, "十一"),
        (20, "二十"),
        (21, "二十一"),
        (100, "一百"),
        (105, "一百零五"),
        (110, "一百一十"),
        (1001, "一千零一"),
        (2021, "二千零二十一"),
    ],
)
def test_chinese_numerals(number: int, text: str) -> None:
    assert chinese_numeral(number) == text


def test_heading_prefixes_follow_the_standard() -> None:
    assert [heading_prefix(level, 2) for level in (1, 2, 3, 4)] == ["二、", "（二）", "2.", "（2）"]
    with pytest.raises(ValueError):
        chinese_numeral(0)


# --- Printed by LibreOffice -------------------------------------------------------------------


def office_binary() -> str:
    binary = shutil.which("libreoffice") or shutil.which("soffice")
    if binary is None:
        pytest.skip("LibreOffice is not installed")
    return binary


def test_libreoffice_prints_it_with_page_numbers_and_full_lines(tmp_path: Path) -> None:
    office = office_binary()
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    source = tmp_path / "official_document.docx"
    source.write_bytes(build_report().to_bytes())
    subprocess.run(
        [
            office,
            # A private profile: a running LibreOffice would otherwise swallow the conversion.
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = tmp_path / "official_document.pdf"
    assert pdf.exists() and pdf.stat().st_size > 0

    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(pdf, OUTPUT_DIR / "official_document.pdf")
    prefix = OUTPUT_DIR / "official_document_page"
    for stale in OUTPUT_DIR.glob("official_document_page*.png"):
        stale.unlink()
    subprocess.run(
        [pdftoppm, "-png", "-r", "100", "-f", "1", "-l", "3", str(pdf), str(prefix)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    page_one = sorted(OUTPUT_DIR.glob("official_document_page*1.png"))
    assert page_one and page_one[0].stat().st_size > 0

    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        return
    pages = [
        subprocess.run(
            [pdftotext, "-f", str(n), "-l", str(n), str(pdf), "-"],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout
        for n in (1, 2)
    ]
    assert "关于巡视整改工作进展情况的报告" in pages[0]
    # The PAGE field is evaluated per page, between its dashes.
    assert re.search(r"—\s*1\s*—", pages[0])
    assert re.search(r"—\s*2\s*—", pages[1])
    # The date starts two characters right of the name's first character.
    boxes = subprocess.run(
        [pdftotext, "-f", "1", "-l", "1", "-bbox", str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>', boxes)
    org_x, org_y = next((float(x), float(y)) for x, y, w in words if w == ORG)
    date_x = next(float(x) for x, y, w in words if w.startswith("2021") and float(y) > org_y)
    assert date_x - org_x == pytest.approx(2 * 16, abs=2)
    # The long body paragraph wraps at 28 characters a line (26 after the indent).
    lines = [line.strip() for line in pages[0].splitlines()]
    start = next(i for i, line in enumerate(lines) if line.startswith("按照省委"))
    assert len(lines[start]) == 26
    assert len(lines[start + 1]) == 28
