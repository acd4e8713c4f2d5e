"""The fixed Chinese wording of the documents this app produces and reads.

These strings are the fixed wording of official documents (公文) and of the Excel ledger, not UI:
a progress report, a 责任清单 or a 督办通知 is written in Chinese whatever language the person
who downloads it reads the screens in, so they do not go through gettext. Keeping them here, as
data, leaves every other module free of Chinese literals. The second half holds the vocabulary
used to read Chinese input (unit name endings, collective names), also data.
"""

from __future__ import annotations

from typing import Final

# --- The Excel ledger ---------------------------------------------------------------------------

# Columns of the exported ledger, in the order of the ledger page.
LEDGER_COLUMNS: Final = (
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
    "状态",
    "佐证材料数",
)
LEDGER_TITLE: Final = "{name}整改台账"
LEDGER_TITLE_ALL: Final = "{name}巡视整改台账"
LEDGER_SHEET: Final = "整改台账"
EXCEL_FONT: Final = "宋体"
LEDGER_FOOTER: Final = "第 &P 页，共 &N 页"
LIST_SEPARATOR: Final = "、"
PERCENT: Final = "{value}%"

# States as the ledger prints them (the workflow's states, in the office's words).
STATE_LABELS: Final = {
    "not_started": "未启动",
    "in_progress": "正在整改",
    "pending_review": "待联络组审核",
    "pending_close": "待整改办销号",
    "closed": "已销号",
    "stage_done": "阶段性完成",
}

# Deadlines written out when the text typed in the ledger no longer says what the dates say.
DEADLINE_IMMEDIATE: Final = "立行立改"
DEADLINE_IMMEDIATE_BY: Final = "立行立改，{date}前"
DEADLINE_LONG_TERM: Final = "长期坚持"
DEADLINE_BY: Final = "{date}前"

# --- Progress report and public notice (整改进展情况报告 / 通报) -------------------------------

REPORT_TITLE: Final = "关于{inspection}整改进展情况的报告"
NOTICE_TITLE: Final = "关于{inspection}整改进展情况的通报"
# A report limited to one campaign (专题活动) names it after the round.
CAMPAIGN_SUBJECT: Final = "{inspection}（{campaign}相关事项）"
NOTICE_ADDRESSEE: Final = "各党支部、各部门"
REPORT_OPENING: Final = (
    "{inspecting_body}反馈巡视意见后，{organization}高度重视，把抓好巡视整改作为重大政治任务，"
    "对照反馈问题逐条建立整改台账，明确责任领导、责任单位、责任人和完成时限，"
    "实行挂图作战、对账销号。现将整改进展情况报告如下。"
)
NOTICE_OPENING: Final = (
    "{inspecting_body}反馈巡视意见后，{organization}对照反馈问题逐条建立整改台账，"
    "压实整改责任，推动整改落实。现将整改进展情况通报如下。"
)
INSPECTING_BODY_FALLBACK: Final = "巡视组"
SECTION_OVERALL: Final = "总体进展"
SECTION_THEMES: Final = "各方面整改情况"
SECTION_NEXT: Final = "存在的问题和下一步工作"
# The standard sentence, computed from the ledger.
SENTENCE_FINDINGS: Final = (
    "截至{date}，巡视反馈问题{total}个，已完成整改{done}个，正在整改{open}个，整改完成率{rate}%。"
)
SENTENCE_MEASURES: Final = (
    "细化整改措施{total}条，已完成{done}条，正在推进{open}条，措施完成率{rate}%；"
    "其中立行立改{immediate}条、限期整改{by_date}条、长期坚持{long_term}条。"
)
SENTENCE_THEME: Final = (
    "该方面反馈问题{total}个，已完成整改{done}个，正在整改{open}个，整改完成率{rate}%；"
    "细化整改措施{measures}条，已完成{measures_done}条。"
)
SENTENCE_OVERDUE: Final = "目前逾期未完成的整改措施{count}条，主要是："
SENTENCE_NO_OVERDUE: Final = "目前没有逾期未完成的整改措施。"
OVERDUE_ITEM: Final = "【{number}】{content}（牵头单位：{unit}，完成时限：{due}）"
OVERDUE_MORE: Final = "另有{count}条逾期措施，详见整改台账。"
THEME_HEADING: Final = "{theme}方面。"
FINDING_STATE_LINE: Final = "【{number}】{text}（{state}，措施{done}/{total}条）"
FINDING_STATES: Final = {"not_started": "未启动", "in_progress": "正在整改", "done": "已完成整改"}
NEXT_STEPS: Final = (
    "下一步，{organization}将坚持目标不变、标准不降、力度不减，对尚未完成的整改任务"
    "逐项督办、挂账推进，对已完成的整改事项适时开展“回头看”，防止问题反弹回潮，"
    "推动建章立制、标本兼治，确保巡视整改取得实效。"
)
TABLE_THEME_HEADER: Final = (
    "问题类别",
    "反馈问题",
    "已完成",
    "正在整改",
    "整改措施",
    "已完成",
    "问题完成率",
)
TABLE_TOTAL: Final = "合计"
ATTACHMENT_LABEL: Final = "附件"
ATTACHMENT_STATS: Final = "整改进展情况统计表"
NO_DATA: Final = "暂无整改任务。"

# --- Responsibility list and task division table (责任清单 / 任务分工表) --------------------------

TASK_DIVISION_TITLE: Final = "{inspection}整改任务分工表"
RESPONSIBILITY_TITLE: Final = "{inspection}整改责任清单"
UNIT_SUBTITLE: Final = "（{unit}）"
TASK_DIVISION_HEADER: Final = (
    "序号",
    "具体问题",
    "整改措施",
    "责任领导",
    "牵头单位",
    "配合单位",
    "完成时限",
)
RESPONSIBILITY_HEADER: Final = (
    "序号",
    "具体问题",
    "整改措施",
    "责任类型",
    "责任人",
    "完成时限",
)
PART_LEAD: Final = "牵头"
PART_COOP: Final = "配合"
UNIT_SECTION: Final = "{unit}（牵头{lead}条，配合{coop}条）"
RESPONSIBILITY_INTRO: Final = (
    "按照一岗双责、党政同责要求，各单位党政主要负责人为本单位整改工作第一责任人，"
    "对照本清单逐项抓好落实，按时限完成整改任务。"
)

# --- A unit's meeting report (汇报) -------------------------------------------------------------

UNIT_REPORT_TITLE: Final = "{unit}关于巡视整改工作进展情况的汇报"
UNIT_REPORT_PERIOD: Final = "（{start}—{end}）"
UNIT_REPORT_OPENING: Final = (
    "本单位牵头整改措施{lead}条、配合整改措施{coop}条，已完成{done}条，正在推进{open}条。"
    "现将本周期整改工作汇报如下。"
)
UNIT_REPORT_DONE: Final = "工作开展情况"
UNIT_REPORT_PROBLEMS: Final = "存在的问题和难点堵点"
UNIT_REPORT_NEXT: Final = "下一步工作打算"
UNIT_REPORT_NOTHING: Final = "本周期无。"
UNIT_REPORT_TABLE: Final = ("序号", "整改措施", "责任类型", "完成时限", "进展", "状态")
UNIT_REPORT_LINE: Final = "【{number}】{text}"

# --- Supervision notice (督办通知) --------------------------------------------------------------

SUPERVISION_TITLE: Final = "督办通知"
SUPERVISION_OPENING: Final = (
    "根据{inspection}整改工作安排，经研究，现将你单位牵头负责的以下整改任务列为挂牌督办事项，"
    "有关要求通知如下。"
)
SUPERVISION_ITEM: Final = "督办事项"
SUPERVISION_FINDING: Final = "反馈问题：{number}{text}"
SUPERVISION_MEASURE: Final = "整改措施：{number}{text}"
SUPERVISION_DEADLINE: Final = "完成时限"
SUPERVISION_DUE: Final = "该项整改任务的完成时限为{due}，目前整改进度为{progress}%。"
SUPERVISION_DUE_CHANGED: Final = "原定完成时限为{original}。"
SUPERVISION_OVERDUE: Final = "截至{today}已逾期{days}天。"
SUPERVISION_URGED: Final = "此前已催办{count}次。"
SUPERVISION_NO_DUE: Final = "该项整改任务为{kind}事项，目前整改进度为{progress}%。"
SUPERVISION_REQUIREMENTS: Final = "督办要求"
SUPERVISION_DEFAULT_REQUIREMENTS: Final = (
    "请你单位高度重视，主要负责人亲自研究部署，制定切实可行的整改计划，明确时间节点，"
    "集中力量攻坚，确保按时保质完成整改任务。"
)
SUPERVISION_REPLY: Final = "请于{deadline}前将整改落实情况书面报送{office}。"
SUPERVISION_REPLY_RECEIVED: Final = "反馈情况"
SUPERVISION_RESPONSIBLE: Final = "责任领导：{leader}；责任人：{persons}。"
NONE_MARK: Final = "无"

# --- Dates and numbers -----------------------------------------------------------------------

DATE_RANGE_SEPARATOR: Final = "—"
FINDING_MEASURE_JOIN: Final = "{finding}-{measure}"
# Separators that close a printed number ("1." "一、"), dropped when the number is stored.
NUMBER_TRAILING: Final = " \t.、．,，:："
DUN_MARK: Final = "、"
# Endings after which a printed number needs no space before its text ("一、" "（一）" "1．").
NUMBER_ENDINGS: Final = ("、", "）", ")", ".", "．", "：", ":")

# --- Vocabulary for reading Chinese input ------------------------------------------------------

# Endings an office may leave out when it writes a unit's name in a ledger ("航空运输系" for
# "航空运输系党支部", "人事" for "人事处"). Longest first: the first that matches is removed.
UNIT_SUFFIXES: Final = (
    "党总支部",
    "党支部",
    "总支部",
    "党总支",
    "支部",
    "办公室",
    "处",
    "部",
    "室",
    "中心",
)
# Words that open a collective name ("各党支部", "相关职能部门"): not one unit.
COLLECTIVE_PREFIXES: Final = ("各", "全体", "相关", "有关", "所有", "全校", "全院")
# Endings of a theme heading that do not name the theme ("……方面存在的问题").
THEME_SUFFIXES: Final = (
    "方面存在的问题",
    "方面的问题",
    "存在的问题",
    "方面问题",
    "方面",
    "问题",
)
THEME_PREFIXES: Final = ("关于", "在")
# Titles written after a name ("王建国（副校长）") are dropped before a person is looked up.
NAME_SEPARATORS: Final = "、，,；;/／\n "
