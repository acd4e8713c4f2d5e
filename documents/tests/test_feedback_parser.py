"""Tests for splitting feedback documents and rectification notices by their numbering."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.utils.translation import override
from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from openpyxl import Workbook

from documents.feedback_parser import (
    FeedbackNode,
    FeedbackReadError,
    parse_feedback_text,
    read_docx_text,
    read_text_file,
)

FEEDBACK = """学院党委：
根据省委统一部署，2023年3月至5月，省委第三巡视组对学院党委进行了常规巡视。现将巡视反馈意见通报如下：

一、学习贯彻党的理论和路线方针政策方面
（一）理论学习中心组学习不够深入。
1．学习计划性不强，2023年集体学习仅6次。
2．专题研讨质量不高。
（1）研讨发言照搬照抄文件；
（2）联系学院办学实际不紧密。
①航空运输系党支部未结合专业开展研讨；
②基础教学部党支部研讨记录缺失。
（二）意识形态工作责任制落实不到位。
二、党的建设方面
（三）基层党建工作薄弱。一是组织生活会不规范；二是党员发展程序不严格；三是“三会一课”记录不完整。
"""


def _numbers(nodes: list[FeedbackNode]) -> list[str]:
    return [node.number for node in nodes]


def _find(nodes: list[FeedbackNode], number: str) -> FeedbackNode:
    matches = [node for node in nodes if node.number == number]
    assert len(matches) == 1, f"expected one node numbered {number!r}"
    return matches[0]


def _docx_bytes(document: Any) -> io.BytesIO:
    buffer = io.BytesIO()
    document.save(buffer)
    buffer.seek(0)
    return buffer


def test_all_numbering_styles_nest_in_order_of_first_appearance() -> None:
    roots = parse_feedback_text(FEEDBACK)
    assert _numbers(roots) == ["", "一、", "二、"]
    first = roots[1]
    assert _numbers(first.children) == ["（一）", "（二）"]
    study = first.children[0]
    assert _numbers(study.children) == ["1．", "2．"]
    seminar = study.children[1]
    assert _numbers(seminar.children) == ["（1）", "（2）"]
    assert _numbers(seminar.children[1].children) == ["①", "②"]
    assert [node.style for node in (first, study, seminar, seminar.children[0])] == [
        "cn_dun",
        "cn_paren",
        "arabic_dot",
        "arabic_paren",
    ]
    assert seminar.children[1].children[0].style == "circled"
    # （二） closes the deeper levels opened under （一）.
    assert first.children[1].title == "意识形态工作责任制落实不到位"
    assert first.children[1].children == []


def test_yi_shi_enumeration_splits_a_paragraph_into_children() -> None:
    roots = parse_feedback_text(FEEDBACK)
    weak = _find(roots[2].children, "（三）")
    assert weak.title == "基层党建工作薄弱"
    assert weak.text == "（三）基层党建工作薄弱。"
    assert _numbers(weak.children) == ["一是", "二是", "三是"]
    assert [child.title for child in weak.children] == [
        "组织生活会不规范",
        "党员发展程序不严格",
        "“三会一课”记录不完整",
    ]
    assert weak.children[2].text == "三是“三会一课”记录不完整。"
    assert {child.style for child in weak.children} == {"cn_shi"}


def test_preamble_becomes_an_unnumbered_first_node() -> None:
    preamble = parse_feedback_text(FEEDBACK)[0]
    assert preamble.number == ""
    assert preamble.style == ""
    assert preamble.text.startswith("学院党委：\n根据省委统一部署")
    assert preamble.text.endswith("现将巡视反馈意见通报如下：")
    assert preamble.children == []


def test_no_preamble_node_when_the_text_starts_with_a_number() -> None:
    roots = parse_feedback_text("\n\n  一、党的建设方面\n（一）组织生活会质量不高。\n")
    assert _numbers(roots) == ["一、"]
    assert parse_feedback_text("") == []
    assert parse_feedback_text(" \n\u3000\n") == []


def test_wrapped_lines_join_the_current_node_without_breaks() -> None:
    text = (
        "（一）学院党委落实全面从严治党主体责任不到位，党委班子成员履行一岗双责意识不强，\n"
        "对分管领域党风廉政建设研究部署不够，压力传导层层递减，部分二级党组织书记抓党建\n"
        "述职评议考核结果运用不充分。\n"
        "（二）警示教育针对性不强。"
    )
    first, second = parse_feedback_text(text)
    assert first.text == (
        "（一）学院党委落实全面从严治党主体责任不到位，党委班子成员履行一岗双责意识不强，"
        "对分管领域党风廉政建设研究部署不够，压力传导层层递减，部分二级党组织书记抓党建"
        "述职评议考核结果运用不充分。"
    )
    assert first.title == (
        "学院党委落实全面从严治党主体责任不到位，党委班子成员履行一岗双责意识不强，"
        "对分管领域党风廉政建设研究部署不够，压力传导层层递减，部分二级党组织书记抓党建"
        "述职评议考核结果运用不充分"
    )
    assert second.number == "（二）"


def test_unnumbered_paragraph_after_a_sentence_keeps_its_own_line() -> None:
    text = "一、关于党建工作方面的问题\n学院党委对基层党建工作重视不够。\n具体表现在以下方面。"
    (node,) = parse_feedback_text(text)
    assert node.text == (
        "一、关于党建工作方面的问题\n学院党委对基层党建工作重视不够。\n具体表现在以下方面。"
    )
    assert node.title == "关于党建工作方面的问题"


def test_windows_newlines_full_width_parentheses_and_stray_spaces() -> None:
    text = (
        "\ufeff 一、 思想政治工作方面\r\n\r\n"
        "(一)  课程思政建设推进缓慢。\r\n"
        "  （ 二 ） 辅导员队伍配备不足。\r\n"
        "\u3000\u30001) 专职辅导员师生比未达到1:200；\r\n"
        "２）兼职辅导员考核流于形式。\r\n"
    )
    (root,) = parse_feedback_text(text)
    assert root.number == "一、"
    assert root.title == "思想政治工作方面"
    assert _numbers(root.children) == ["(一)", "（ 二 ）"]
    counsellors = root.children[1]
    assert counsellors.text == "（ 二 ） 辅导员队伍配备不足。"
    assert _numbers(counsellors.children) == ["1)", "２）"]
    assert counsellors.children[0].title == "专职辅导员师生比未达到1:200"


def test_quantities_and_dates_at_line_start_are_not_items() -> None:
    text = (
        "（一）专项经费使用不规范。\n"
        "1.5万元党建经费用于非党建支出。\n"
        "2022年组织生活会未按时召开。\n"
        "3月底前未完成民主评议党员。"
    )
    (node,) = parse_feedback_text(text)
    assert node.children == []
    assert node.text.splitlines() == [
        "（一）专项经费使用不规范。",
        "1.5万元党建经费用于非党建支出。",
        "2022年组织生活会未按时召开。",
        "3月底前未完成民主评议党员。",
    ]


def test_rectification_notice_puts_inline_measures_under_the_finding() -> None:
    text = (
        "一、关于党建工作方面的问题\n"
        "（一）问题：部分党支部组织生活会质量不高，批评与自我批评辣味不足。\n"
        "整改情况：1. 制定《党支部组织生活会工作规程》，明确会前谈心谈话要求；"
        "2. 校领导班子成员以普通党员身份参加所在支部组织生活会；"
        "3. 对7个直属党支部组织生活会开展督导。\n"
        "（二）问题：党员发展程序不严格。\n"
        "整改情况：已对2020年以来发展的36名党员档案逐一核查。\n"
    )
    (theme,) = parse_feedback_text(text)
    assert theme.title == "关于党建工作方面的问题"
    meeting, recruitment = theme.children
    # The label "问题：" is not the heading: the finding it introduces is.
    assert meeting.title == "部分党支部组织生活会质量不高，批评与自我批评辣味不足"
    assert meeting.text.endswith("\n整改情况：")
    assert _numbers(meeting.children) == ["1.", "2.", "3."]
    assert meeting.children[0].title == "制定《党支部组织生活会工作规程》，明确会前谈心谈话要求"
    assert meeting.children[2].text == "3. 对7个直属党支部组织生活会开展督导。"
    assert recruitment.children == []
    assert recruitment.text.endswith("整改情况：已对2020年以来发展的36名党员档案逐一核查。")


def test_rectification_notice_with_measures_on_their_own_lines() -> None:
    text = (
        "（一）问题：意识形态阵地管理存在漏洞。\n"
        "整改情况：\n"
        "1.修订《学院哲学社会科学报告会、研讨会、讲座论坛管理办法》。\n"
        "2.建立网络舆情日报告制度，已报送舆情日报120期。\n"
        "（二）问题：校园网站信息审核把关不严。\n"
    )
    first, second = parse_feedback_text(text)
    assert first.text == "（一）问题：意识形态阵地管理存在漏洞。\n整改情况："
    assert _numbers(first.children) == ["1.", "2."]
    assert second.number == "（二）"


def test_lone_inline_measure_after_colon_is_split_but_stray_numbers_are_not() -> None:
    text = (
        "（一）问题：谈心谈话制度落实不到位。\n"
        "整改情况：1. 已制定年度谈心谈话计划，党委书记与班子成员谈心谈话全覆盖。\n"
        "（二）问题：学院第2、3号文件未经党委会研究，2.0版本制度未发布。"
    )
    first, second = parse_feedback_text(text)
    assert _numbers(first.children) == ["1."]
    assert second.children == []


def test_inline_enumeration_nested_inside_inline_measures() -> None:
    text = (
        "（四）整改措施：1. 规范组织生活会，一是会前开展谈心谈话；二是会后建立整改清单。"
        "2. 严格党员发展，一是严格政治审查；二是落实公示制度。"
    )
    (node,) = parse_feedback_text(text)
    assert _numbers(node.children) == ["1.", "2."]
    assert [_numbers(child.children) for child in node.children] == [
        ["一是", "二是"],
        ["一是", "二是"],
    ]
    assert node.children[0].text == "1. 规范组织生活会，"
    assert node.children[1].children[1].text == "二是落实公示制度。"


def test_yi_shi_right_after_the_number_still_splits() -> None:
    (node,) = parse_feedback_text("（三）一是组织生活会不规范；二是党员发展程序不严格。")
    assert node.text == "（三）"
    assert _numbers(node.children) == ["一是", "二是"]


def test_a_new_paragraph_after_an_enumeration_belongs_to_the_parent() -> None:
    text = (
        "（三）基层党建工作薄弱。一是组织生活会不规范；二是党员发展程序不严格。\n"
        "学院党委对基层党建工作的指导督促不够。\n"
        "（四）党风廉政建设压力传导不到位。"
    )
    third, fourth = parse_feedback_text(text)
    assert third.text == "（三）基层党建工作薄弱。\n学院党委对基层党建工作的指导督促不够。"
    assert third.children[1].text == "二是党员发展程序不严格。"
    assert fourth.number == "（四）"


def test_paragraphs_of_a_docx_are_never_glued_together() -> None:
    # One paragraph per line, the first long and without a full stop, as a .docx yields:
    # without the uniform widths of hard-wrapped text, each line stays its own paragraph.
    text = (
        "根据省委统一部署，省委第三巡视组于2023年3月至5月对学院党委开展了为期两个月的常规巡视\n"
        "巡视组认真听取了学院党委工作汇报\n"
        "一、存在的主要问题"
    )
    preamble, _problems = parse_feedback_text(text)
    assert preamble.text.splitlines() == text.splitlines()[:2]


def test_inline_circled_and_parenthesised_numbers_split_a_measure() -> None:
    text = (
        "1. 健全制度：（1）修订《党委会议事规则》；（2）制定《“三重一大”决策实施办法》。\n"
        "2. 加强培训：①举办党支部书记培训班②开展组织员业务轮训"
    )
    first, second = parse_feedback_text(text)
    assert first.text == "1. 健全制度："
    assert _numbers(first.children) == ["（1）", "（2）"]
    assert _numbers(second.children) == ["①", "②"]
    assert second.children[0].title == "举办党支部书记培训班"


def test_yi_shi_paragraphs_on_their_own_lines_are_children() -> None:
    text = (
        "（五）“三会一课”制度执行不严格。\n"
        "一是部分党支部党员大会未按季度召开；\n"
        "二是党课质量不高，照本宣科现象突出。\n"
        "（六）党费收缴管理不规范。"
    )
    fifth, sixth = parse_feedback_text(text)
    assert _numbers(fifth.children) == ["一是", "二是"]
    assert sixth.number == "（六）"


def test_yi_shi_inside_the_preamble_stays_in_the_preamble() -> None:
    text = (
        "巡视组认为，学院党委做了大量工作：一是坚持立德树人；二是推进产教融合。\n一、存在的主要问题"
    )
    preamble, problems = parse_feedback_text(text)
    assert preamble.number == ""
    assert _numbers(preamble.children) == ["一是", "二是"]
    assert problems.number == "一、"


def test_order_follows_first_appearance_not_a_fixed_table() -> None:
    # A notice that starts with Arabic numbers: 1. outranks （一） here.
    text = "1.党建工作\n（一）组织生活会\n（二）党员发展\n2.思政工作\n（一）课程思政"
    first, second = parse_feedback_text(text)
    assert _numbers(first.children) == ["（一）", "（二）"]
    assert _numbers(second.children) == ["（一）"]


def test_multi_level_arabic_numbers_nest_by_depth() -> None:
    text = "3.1 班子建设\n3.1.1 修订党委会议事规则\n3.1.2 完善“三重一大”决策制度\n3.2 队伍建设\n"
    first, second = parse_feedback_text(text)
    assert (first.number, first.title) == ("3.1", "班子建设")
    assert _numbers(first.children) == ["3.1.1", "3.1.2"]
    assert second.number == "3.2"
    assert second.style == "arabic_plain"


def test_long_heading_without_full_stop_is_cut_at_its_first_clause() -> None:
    sentence = "部分党支部书记" + "履行党建工作第一责任人职责不到位" * 4
    (node,) = parse_feedback_text(f"（一）{sentence}；支部工作手册记录不全")
    assert node.title == sentence


def test_to_dict_has_exactly_the_documented_keys() -> None:
    roots = parse_feedback_text(
        "一、党的建设\n（一）组织生活会不规范。一是会前准备不足；二是会后整改不力。"
    )
    data = roots[0].to_dict()
    assert set(data) == {"number", "title", "text", "children"}
    child = data["children"][0]
    assert set(child) == {"number", "title", "text", "children"}
    assert child["number"] == "（一）"
    assert [grandchild["number"] for grandchild in child["children"]] == [
        "一是",
        "二是",
    ]
    assert child["children"][1] == {
        "number": "二是",
        "title": "会后整改不力",
        "text": "二是会后整改不力。",
        "children": [],
    }


def test_docx_paragraphs_and_tables_are_read_in_order() -> None:
    document = Document()
    document.add_paragraph("中共××学院委员会关于巡视整改进展情况的通报")
    document.add_paragraph("一、关于党建工作方面的问题")
    document.add_paragraph("（一）问题：组织生活会不规范。")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "整改措施"
    table.cell(0, 1).text = "责任单位"
    merged = table.cell(1, 0).merge(table.cell(1, 1))
    merged.text = "1. 开展组织生活会专项督导"
    document.add_paragraph("（二）问题：党员教育管理不严。")

    text = read_docx_text(_docx_bytes(document))

    assert text.splitlines() == [
        "中共××学院委员会关于巡视整改进展情况的通报",
        "一、关于党建工作方面的问题",
        "（一）问题：组织生活会不规范。",
        "整改措施",
        "责任单位",
        "1. 开展组织生活会专项督导",  # a merged cell is read once
        "（二）问题：党员教育管理不严。",
    ]
    preamble, theme = parse_feedback_text(text)
    assert preamble.number == ""
    assert _numbers(theme.children) == ["（一）", "（二）"]
    assert _numbers(theme.children[0].children) == ["1."]


_CHINESE_LIST_NUMBERING = """
<w:abstractNum {ns} w:abstractNumId="90">
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>
    <w:lvlText w:val="%1、"/></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>
    <w:lvlText w:val="（%2）"/></w:lvl>
  <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/>
    <w:lvlText w:val="%3."/></w:lvl>
</w:abstractNum>
"""


def test_docx_automatic_list_numbers_are_written_out() -> None:
    document = Document()
    numbering = document.part.numbering_part.element
    abstract = parse_xml(_CHINESE_LIST_NUMBERING.format(ns=nsdecls("w")))
    first_num = numbering.find(abstract.tag.replace("abstractNum", "num"))
    # abstractNum elements must precede num elements in numbering.xml.
    first_num.addprevious(abstract)
    numbering.append(
        parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>')
    )

    def numbered(text: str, level: int) -> None:
        paragraph = document.add_paragraph(text)
        paragraph._p.get_or_add_pPr().append(
            parse_xml(
                f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>'
            )
        )

    numbered("党的建设方面", 0)
    numbered("组织生活会不规范。", 1)
    numbered("会前谈心谈话不深入", 2)
    numbered("整改清单不具体", 2)
    numbered("党员发展程序不严格。", 1)
    numbered("思想政治工作方面", 0)
    numbered("课程思政推进缓慢。", 1)
    document.add_paragraph("完善制度", style="List Number")
    document.add_paragraph("不编号的要点", style="List Bullet")

    text = read_docx_text(_docx_bytes(document))

    assert text.splitlines() == [
        "一、党的建设方面",
        "（一）组织生活会不规范。",
        "1.会前谈心谈话不深入",
        "2.整改清单不具体",
        "（二）党员发展程序不严格。",  # level 3 restarts under the next （二）
        "二、思想政治工作方面",
        "（一）课程思政推进缓慢。",
        "1.完善制度",
        "不编号的要点",
    ]
    roots = parse_feedback_text(text)
    assert _numbers(roots) == ["一、", "二、"]
    assert _numbers(roots[0].children[0].children) == ["1.", "2."]


def test_gb18030_text_file_is_decoded() -> None:
    text = "一、党建工作方面\r\n（一）组织生活会不规范；党员“亮身份”不够。\r\n"
    assert read_text_file(text.encode("gb18030")) == text
    roots = parse_feedback_text(read_text_file(text.encode("gb18030")))
    assert roots[0].children[0].title == "组织生活会不规范；党员“亮身份”不够"


def test_utf8_with_and_without_bom_and_utf16_text_files_are_decoded() -> None:
    text = "（一）巡视反馈问题整改进展：已完成“对账销号”12项。"
    assert read_text_file(text.encode("utf-8")) == text
    assert read_text_file(b"\xef\xbb\xbf" + text.encode("utf-8")) == text
    assert read_text_file(text.encode("utf-16")) == text


def test_binary_data_is_not_accepted_as_text() -> None:
    with pytest.raises(FeedbackReadError) as caught:
        read_text_file(bytes(range(256)) * 4)
    assert caught.value.code in {"binary", "undecodable"}
    assert isinstance(caught.value, ValueError)
    with pytest.raises(FeedbackReadError) as caught:
        read_text_file(b"\x81")  # a truncated GB18030 sequence, invalid UTF-8 too
    assert caught.value.code == "undecodable"


@pytest.mark.parametrize(
    "payload",
    [
        b"\xe4\xb8\x80\xe3\x80\x81 plain text, not a zip archive",
        b"PK\x03\x04 truncated zip",
        b"",
    ],
)
def test_non_docx_bytes_raise_feedback_read_error(payload: bytes) -> None:
    with override("en"), pytest.raises(FeedbackReadError) as caught:
        read_docx_text(io.BytesIO(payload))
    assert caught.value.code == "invalid_docx"
    assert str(caught.value)


def test_excel_workbook_is_not_taken_for_a_word_document() -> None:
    workbook = Workbook()
    workbook.active.append(["序号", "问题", "整改措施"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    with pytest.raises(FeedbackReadError) as caught:
        read_docx_text(buffer)
    assert caught.value.code == "invalid_docx"


def test_legacy_word_doc_gets_its_own_error() -> None:
    payload = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    with pytest.raises(FeedbackReadError) as caught:
        read_docx_text(io.BytesIO(payload))
    assert caught.value.code == "legacy_doc"
