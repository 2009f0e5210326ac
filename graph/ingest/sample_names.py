"""Chinese vocabulary of the sample generator: names, KOL handles, content titles.

Everything here is vectorised over numpy index arrays: a caller draws integer codes with its
own generator and turns them into strings with these functions, so the output only depends on
the caller's random stream.

>>> import numpy as np
>>> person_names(np.array([0]), np.array([0]), np.array([-1]))[0]
'王伟'
"""

from __future__ import annotations

import numpy as np

from graph.ingest.sample_world import TOPICS

# (surname, pinyin), most common first; weights roughly follow their frequency.
SURNAMES: tuple[tuple[str, str], ...] = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"),
    ("杨", "yang"), ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"),
    ("徐", "xu"), ("孙", "sun"), ("马", "ma"), ("朱", "zhu"), ("胡", "hu"),
    ("郭", "guo"), ("何", "he"), ("高", "gao"), ("林", "lin"), ("罗", "luo"),
    ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song"), ("唐", "tang"),
    ("许", "xu"), ("韩", "han"), ("冯", "feng"), ("邓", "deng"), ("曹", "cao"),
    ("彭", "peng"), ("曾", "zeng"), ("肖", "xiao"), ("田", "tian"), ("董", "dong"),
    ("袁", "yuan"), ("潘", "pan"), ("于", "yu"), ("蒋", "jiang"), ("蔡", "cai"),
    ("余", "yu"), ("杜", "du"), ("叶", "ye"), ("程", "cheng"), ("苏", "su"),
    ("魏", "wei"), ("吕", "lv"), ("丁", "ding"), ("任", "ren"), ("沈", "shen"),
)
SURNAME_WEIGHTS = 1.0 / np.arange(1, len(SURNAMES) + 1) ** 0.8

# Given-name characters with their pinyin.
GIVEN: tuple[tuple[str, str], ...] = (
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"),
    ("丽", "li"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"),
    ("勇", "yong"), ("艳", "yan"), ("杰", "jie"), ("娟", "juan"), ("涛", "tao"),
    ("明", "ming"), ("超", "chao"), ("秀", "xiu"), ("霞", "xia"), ("平", "ping"),
    ("刚", "gang"), ("桂", "gui"), ("文", "wen"), ("华", "hua"), ("建", "jian"),
    ("国", "guo"), ("晨", "chen"), ("宇", "yu"), ("浩", "hao"), ("然", "ran"),
    ("欣", "xin"), ("怡", "yi"), ("子", "zi"), ("涵", "han"), ("梓", "zi"),
    ("轩", "xuan"), ("思", "si"), ("雨", "yu"), ("佳", "jia"), ("嘉", "jia"),
    ("博", "bo"), ("文", "wen"), ("一", "yi"), ("诺", "nuo"), ("泽", "ze"),
    ("晓", "xiao"), ("婷", "ting"), ("慧", "hui"), ("鹏", "peng"), ("飞", "fei"),
    ("琳", "lin"), ("昊", "hao"), ("天", "tian"), ("俊", "jun"), ("颖", "ying"),
    ("倩", "qian"), ("凯", "kai"), ("瑶", "yao"), ("蕾", "lei"), ("志", "zhi"),
)

# Nicknames people use on content platforms instead of their name.
NICKNAMES: tuple[str, ...] = (
    "小鱼", "晴天", "阿木", "大橙子", "一只猫", "清风", "木子", "路人甲", "星河", "半夏",
    "不吃香菜", "早睡早起", "努力的小王", "奶茶续命", "爱读书的猫", "夜跑少年", "打工人",
    "追光者", "山海", "向阳而生", "慢慢来", "今天也要加油", "摸鱼专家", "北漂老李", "南风",
)
NAME_SUFFIXES: tuple[str, ...] = ("同学", "酱", "_学习中", "2024", "爱学习", "的日常", "呀")

# KOL handles: surname + title + verb + topic, e.g. 张老师讲AI.
KOL_TITLES: tuple[str, ...] = ("老师", "博士", "教授", "姐", "哥", "叔", "老")
KOL_VERBS: tuple[str, ...] = ("讲", "聊", "说", "谈", "带你学")
TOPIC_CN: dict[str, str] = {
    "AI": "AI", "finance": "理财", "parenting": "育儿", "history": "历史",
    "career": "职场", "psychology": "心理", "fitness": "健身", "languages": "英语",
}

# Subjects of content titles per topic.
SUBJECTS: dict[str, tuple[str, ...]] = {
    "AI": ("大模型入门", "提示词工程", "AI绘画", "机器学习基础", "AI办公提效", "深度学习实战"),
    "finance": ("基金定投", "家庭理财", "股票投资入门", "读懂财报", "保险配置", "个人养老金"),
    "parenting": ("科学育儿", "儿童阅读", "青春期沟通", "幼小衔接", "亲子关系", "正面管教"),
    "history": ("中国通史", "三国风云", "大宋王朝", "世界史纲", "明朝那些事", "丝绸之路"),
    "career": ("职场沟通", "高效汇报", "升职加薪", "简历与面试", "向上管理", "副业变现"),
    "psychology": ("情绪管理", "亲密关系", "认知心理学", "走出焦虑", "自我成长", "心理学入门"),
    "fitness": ("居家健身", "跑步入门", "减脂饮食", "体态矫正", "瑜伽基础", "力量训练"),
    "languages": ("英语口语", "雅思备考", "日语入门", "商务英语", "英语语法", "法语零基础"),
}
# Title templates per content kind (see sample_activity.KINDS); {s} is the subject.
TITLE_TEMPLATES: tuple[tuple[str, ...], ...] = (
    ("{s}实战课", "{s}30讲", "{s}训练营", "零基础学{s}"),          # course
    ("{s}·每天听", "{s}音频专栏", "{s}100问", "每天10分钟{s}"),     # audio_column
    ("直播：{s}", "{s}公开课", "{s}夜话", "{s}直播答疑"),      # live
    ("《{s}》", "{s}精读", "{s}手册", "图解{s}"),                    # ebook
)


def _pick(vocab: tuple[str, ...], codes: np.ndarray) -> np.ndarray:
    return np.asarray(vocab, dtype=object)[codes]


def person_names(surname: np.ndarray, given1: np.ndarray, given2: np.ndarray) -> np.ndarray:
    """Full names from code arrays; ``given2 == -1`` means a one-character given name."""
    table = np.asarray([g for g, _ in GIVEN] + [""], dtype=object)
    return (np.asarray([s for s, _ in SURNAMES], dtype=object)[surname]
            + table[given1] + table[given2])


def name_pinyin(surname: np.ndarray, given1: np.ndarray, given2: np.ndarray) -> np.ndarray:
    """The pinyin of the same names (ASCII, no separators): ``zhangwei``."""
    table = np.asarray([p for _, p in GIVEN] + [""], dtype=object)
    return (np.asarray([p for _, p in SURNAMES], dtype=object)[surname]
            + table[given1] + table[given2])


def account_names(names: np.ndarray, style: np.ndarray, extra: np.ndarray) -> np.ndarray:
    """Display names of ordinary accounts: the name (style 0), the name with a suffix
    (style 1) or a nickname (style 2); ``extra`` picks the suffix or nickname."""
    suffixed = names + _pick(NAME_SUFFIXES, extra % len(NAME_SUFFIXES))
    nick = _pick(NICKNAMES, extra % len(NICKNAMES))
    return np.where(style == 0, names, np.where(style == 1, suffixed, nick))


def kol_handles(surname: np.ndarray, title: np.ndarray, verb: np.ndarray,
                topic: np.ndarray) -> np.ndarray:
    """KOL brand handles such as ``张老师讲AI`` (topic codes index ``TOPICS``)."""
    topics = np.asarray([TOPIC_CN[t] for t in TOPICS], dtype=object)
    return (np.asarray([s for s, _ in SURNAMES], dtype=object)[surname]
            + _pick(KOL_TITLES, title) + _pick(KOL_VERBS, verb) + topics[topic])


def content_titles(topic: np.ndarray, kind: np.ndarray, subject: np.ndarray,
                   template: np.ndarray) -> np.ndarray:
    """Chinese titles from topic, kind, subject and template codes."""
    n_subj = len(SUBJECTS[TOPICS[0]])
    n_tpl = len(TITLE_TEMPLATES[0])
    table = np.asarray([tpl.format(s=s) for t in TOPICS for k in range(len(TITLE_TEMPLATES))
                        for s in SUBJECTS[t] for tpl in TITLE_TEMPLATES[k]], dtype=object)
    idx = ((topic * len(TITLE_TEMPLATES) + kind) * n_subj + subject % n_subj) * n_tpl \
        + template % n_tpl
    return table[idx]
