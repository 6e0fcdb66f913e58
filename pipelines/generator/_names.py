"""Chinese personal names with realistic frequencies.

Surnames follow their national shares (2020 census order, with Shandong's usual skew towards
王/张/李/刘), so that many people share a surname and, through the popular given names of each
era, many share a whole name: the resolver must not link people on the name alone. A small share
of given names uses rare characters outside the Basic Multilingual Plane, which break GBK and
naive UTF-16 handling in real systems.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

# (surname, share in percent). Heteronym surnames (单 shan, 曾 zeng, 解 xie, 仇 qiu, 查 zha,
# 区 ou, 盖 ge) are included on purpose: their default pinyin reading is wrong.
SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 8.1), ("张", 7.6), ("李", 7.4), ("刘", 5.9), ("陈", 3.6), ("杨", 3.1), ("赵", 2.6),
    ("孙", 2.1), ("马", 1.7), ("高", 1.6), ("徐", 1.5), ("周", 1.4), ("郭", 1.4), ("朱", 1.3),
    ("吴", 1.3), ("胡", 1.1), ("于", 1.1), ("宋", 1.0), ("田", 0.9), ("韩", 0.9), ("曹", 0.9),
    ("孟", 0.8), ("许", 0.8), ("崔", 0.8), ("董", 0.8), ("冯", 0.7), ("吕", 0.7), ("贾", 0.7),
    ("魏", 0.7), ("黄", 0.7), ("杜", 0.6), ("谢", 0.6), ("林", 0.5), ("侯", 0.5), ("何", 0.5),
    ("郑", 0.5), ("薛", 0.5), ("闫", 0.5), ("石", 0.5), ("程", 0.5), ("付", 0.5), ("任", 0.5),
    ("姜", 0.5), ("袁", 0.4), ("梁", 0.4), ("邓", 0.4), ("罗", 0.4), ("范", 0.4), ("秦", 0.4),
    ("苏", 0.4), ("邢", 0.4), ("耿", 0.4), ("丁", 0.4), ("尹", 0.3), ("蒋", 0.3), ("沈", 0.3),
    ("彭", 0.3), ("唐", 0.3), ("叶", 0.3), ("卢", 0.3), ("庞", 0.3), ("商", 0.3), ("申", 0.3),
    ("穆", 0.3), ("姚", 0.3), ("牛", 0.3), ("常", 0.3), ("焦", 0.3), ("展", 0.2), ("鲁", 0.2),
    ("房", 0.2), ("葛", 0.2), ("岳", 0.2), ("武", 0.2), ("颜", 0.2), ("满", 0.2), ("单", 0.2),
    ("曾", 0.1), ("解", 0.1), ("仇", 0.1), ("查", 0.1), ("盖", 0.1), ("区", 0.05),
    ("司马", 0.03), ("欧阳", 0.03), ("诸葛", 0.02), ("上官", 0.02),
)

# Popular whole given names by birth era and gender: the reason many people share a name.
_POPULAR = {
    ("old", 1): "建国 建军 国庆 建华 国强 志强 德胜 振华 学文 玉山 长海 宝山 金山 庆祥 文明 明亮 立新 卫东 军 刚 强 伟 勇 斌 明 忠",
    ("old", 2): "秀英 桂英 秀兰 玉兰 桂兰 玉珍 凤英 桂芝 秀珍 玉梅 淑珍 玉英 秀云 凤兰 素芳 桂荣 秀荣 兰英 丽 敏 静 红 霞 芳 英",
    ("mid", 1): "伟 磊 勇 军 杰 涛 斌 强 鹏 辉 超 波 刚 浩 亮 宁 明 海涛 志刚 建伟 晓东 海峰 建军 俊杰 文涛",
    ("mid", 2): "丽 静 敏 燕 艳 娟 霞 芳 玲 婷 红梅 丽娟 晓燕 海燕 春燕 秀丽 丽丽 静静 晓丽 雪梅 慧 倩 莉 娜 洁",
    ("new", 1): "子涵 浩然 宇轩 梓轩 浩宇 子轩 俊熙 一诺 宇航 皓轩 浩轩 博文 子墨 思远 铭轩 天佑 欣然 睿 哲 昊 宇 轩 涵 泽 航",
    ("new", 2): "子涵 欣怡 梓涵 诗涵 梓萱 一诺 紫涵 雨涵 可欣 思彤 佳怡 语桐 欣妍 梦琪 雨萱 诗琪 依诺 若曦 梓琪 佳琪 萱 彤 悦 琪 怡",
}

# Characters combined freely into less common two-character given names.
_CHARS = {
    1: "志明国华建文俊杰宏伟家庆德永春海东军林峰波涛鹏飞振兴立新晓光学成玉龙金宝荣贵福生祥瑞子浩宇轩博思泽天昊一凯",
    2: "秀丽美玉兰芳娟婷静雪梅春燕霞红云英琳佳怡欣悦雨萱诗涵梦琪思晓慧敏倩璐瑶蕾颖晶丹凤翠月彩萍",
}

# Characters outside the Basic Multilingual Plane that occur in real given names (CJK Ext. B/E).
RARE_CHARS = "𠇔𡒄𣲗𤭢𥖨𦈡𧿹𨚕𩽾𪚥𬌗𬘡𬎆𬱖𬸚𬭎"

# Era bounds: born before 1970, 1970-1999, from 2000.
_ERAS = (("old", -10_000, 1970), ("mid", 1970, 2000), ("new", 2000, 10_000))

SURNAME_LIST = np.array([s for s, _ in SURNAMES])
_SHARES = np.array([p for _, p in SURNAMES], dtype=np.float64)
SURNAME_P = _SHARES / _SHARES.sum()


def sample_surnames(rng: np.random.Generator, n: int) -> npt.NDArray[np.str_]:
    """Surnames drawn by their share of the population."""
    return SURNAME_LIST[rng.choice(len(SURNAME_LIST), size=n, p=SURNAME_P)]


def sample_given_names(
    rng: np.random.Generator,
    genders: npt.NDArray[np.int8],
    birth_years: npt.NDArray[np.int64],
    rare_rate: float = 0.0015,
) -> npt.NDArray[np.str_]:
    """Given names: 55% a popular name of the person's era, the rest free combinations.

    Args:
        genders: 1 male, 2 female (GB/T 2261.1 codes).
        birth_years: to pick the era's fashion.
        rare_rate: share of names that take one character outside the BMP.
    """
    n = len(genders)
    out = np.empty(n, dtype=object)
    popular = rng.random(n) < 0.55
    for era, lo, hi in _ERAS:
        for gender in (1, 2):
            mask = (genders == gender) & (birth_years >= lo) & (birth_years < hi)
            pool = np.array(_POPULAR[(era, gender)].split())
            pick = mask & popular
            out[pick] = pool[rng.integers(0, len(pool), pick.sum())]
            free = mask & ~popular
            chars = np.array(list(_CHARS[gender]))
            k = int(free.sum())
            first = chars[rng.integers(0, len(chars), k)]
            second = chars[rng.integers(0, len(chars), k)]
            single = rng.random(k) < 0.15
            out[free] = np.where(single, first, np.char.add(first, second))
    rare = rng.random(n) < rare_rate
    rare_chars = np.array(list(RARE_CHARS))
    out[rare] = np.char.add(
        np.array([s[:1] for s in out[rare]], dtype=str), rare_chars[rng.integers(0, len(rare_chars), rare.sum())]
    ) if rare.any() else out[rare]
    return out.astype(str)


# Homophones and near-homophones seen when a clerk types a name from hearing it.
HOMOPHONES: dict[str, str] = {
    "丽": "莉", "莉": "丽", "伟": "玮", "玮": "伟", "芳": "方", "静": "婧", "军": "君", "华": "桦",
    "红": "虹", "英": "瑛", "兰": "岚", "玲": "琳", "刚": "钢", "峰": "锋", "杰": "洁", "涛": "滔",
    "霞": "侠", "燕": "艳", "艳": "燕", "娟": "鹃", "明": "铭", "敏": "民", "强": "蔷", "宇": "雨",
    "轩": "萱", "涵": "含", "琪": "淇", "怡": "宜", "欣": "鑫", "梅": "玫", "婷": "亭", "磊": "垒",
    "鹏": "朋", "辉": "晖", "波": "博", "斌": "彬", "勇": "永", "浩": "皓", "建": "健", "国": "郭",
    "志": "智", "文": "雯", "晓": "小", "海": "海", "秀": "绣", "桂": "贵", "玉": "钰", "凤": "风",
    "珍": "贞", "云": "芸", "荣": "蓉", "新": "欣", "林": "琳", "春": "纯", "雪": "学", "慧": "惠",
}
