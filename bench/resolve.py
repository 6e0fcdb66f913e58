"""Synthetic county records for the entity-resolution benchmarks (bench only; never imported by
pipeline code).

Persons: a population with realistic surname frequencies (so 张伟 and 王芳 repeat), households
sharing address, phone and surname, twins, and each person appearing in one to four department
sources with the defects departments deliver: missing / mistyped / transposed / 15-digit /
lowercase-x / full-width ID numbers, traditional or homophone name characters, spaces in names,
several date spellings, missing or day-month-swapped birth dates, phones with +86 and spaces,
moved addresses, and address prefixes present or not.

Organisations: enterprises, individual businesses and cooperatives with valid credit codes,
legal representatives, addresses, phones and dates; records in several sources with a missing
or mistyped credit code, the old name of a renamed organisation, brackets and legal-form
variants, full-width characters.

Everything is vectorised numpy/Polars and seeded, so a given (n, seed) always gives the same set.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤单解查仇"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂兰玉萍红华建国志辉鹏飞斌宇浩凯健俊帆博文涵子轩梓晨欣怡雨佳琪思颖晓东海波林峰春梅玲燕丹宁亮"
TOWNS = ("振兴街道", "信发街道", "温陈街道", "乐平铺镇", "冯官屯镇", "菜屯镇", "博平镇", "杜郎口镇", "韩屯镇", "胡屯镇", "肖家庄镇", "贾寨镇", "洪官屯镇", "杨官屯乡")
VILLAGE_WORDS = "东西南北前后大小王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁"
SOURCES_P = ("gongan__hukou", "shebao__insured", "jiaoyu__students", "gongdian__accounts", "minzheng__aid", "weijian__patients")
SOURCES_O = ("shichang__registry", "shuiwu__taxpayers", "shebao__employers", "gongdian__accounts", "xinyong__licences")
ID_WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)])
ID_CHECK = np.array(list("10X98765432"))
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)])
ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2])


def _surname_probs() -> np.ndarray:
    ranks = np.arange(1, len(SURNAMES) + 1)
    p = 1.0 / ranks**0.9
    return p / p.sum()


def _homophones() -> dict[str, str]:
    """A same-sound substitute for each given-name character that has one (clerks' slips)."""
    from pypinyin import lazy_pinyin

    pool = GIVEN + "玮炜蔚卫薇维为巍娅雅亚静晶菁婧敬丽莉俐力立利鹏朋芳方舫放涛韬滔桃明铭鸣茗"
    by_sound: dict[str, list[str]] = {}
    for ch in dict.fromkeys(pool):
        by_sound.setdefault(lazy_pinyin(ch)[0], []).append(ch)
    out = {}
    for chars in by_sound.values():
        for i, ch in enumerate(chars):
            if len(chars) > 1:
                out[ch] = chars[(i + 1) % len(chars)]
    return out


def _s2t(values: list[str]) -> list[str]:
    from opencc import OpenCC

    conv = OpenCC("s2t")
    return [conv.convert(v) for v in values]


def _id_numbers(area: np.ndarray, dob: np.ndarray, seq: np.ndarray) -> np.ndarray:
    body = np.char.add(np.char.add(area, dob), np.char.zfill(seq.astype(str), 3))
    digits = (np.frombuffer("".join(body).encode(), dtype=np.uint8).astype(np.int64) - 48).reshape(-1, 17)
    check = ID_CHECK[(digits @ ID_WEIGHTS) % 11]
    return np.char.add(body, check)


def _pick(rng: np.random.Generator, chars: str, size: int) -> np.ndarray:
    return np.array(list(chars))[rng.integers(0, len(chars), size)]


def persons(n_records: int, seed: int = 1) -> tuple[pl.DataFrame, pl.DataFrame]:
    """About `n_records` person records and their truth (`source, record_id, true_id`)."""
    rng = np.random.default_rng(seed)
    n_people = max(10, int(n_records / 2.2))
    # Households: 1-5 people sharing surname, address and (often) a landline.
    hh_size = rng.choice([1, 2, 3, 4, 5], size=n_people, p=[0.2, 0.3, 0.25, 0.15, 0.1])
    hh_of = np.repeat(np.arange(n_people), hh_size)[:n_people]
    n_hh = int(hh_of.max()) + 1
    hh_surname = rng.choice(np.array(list(SURNAMES)), size=n_hh, p=_surname_probs())
    town = rng.integers(0, len(TOWNS), n_hh)
    village = np.char.add(np.char.add(_pick(rng, VILLAGE_WORDS, n_hh), _pick(rng, VILLAGE_WORDS, n_hh)), "村")
    house = rng.integers(1, 300, n_hh).astype(str)
    hh_addr = np.char.add(np.char.add(np.array(TOWNS)[town], village), np.char.add(house, "号"))
    hh_phone = np.char.add("0635", rng.integers(2000000, 9999999, n_hh).astype(str))

    surname = hh_surname[hh_of]
    one_char = rng.random(n_people) < 0.35
    g1 = _pick(rng, GIVEN, n_people)
    g2 = _pick(rng, GIVEN, n_people)
    given = np.where(one_char, g1, np.char.add(g1, g2))
    name = np.char.add(surname, given)
    gender = rng.integers(1, 3, n_people)
    start = date(1930, 1, 1)
    days = rng.integers(0, (date(2024, 12, 31) - start).days, n_people)
    # Twins: 1% of people get a sibling born the same day in the same household.
    twin = np.flatnonzero((rng.random(n_people) < 0.01) & (np.roll(hh_of, 1) == hh_of))
    days[twin] = days[twin - 1]
    dob = np.array([(start + timedelta(days=int(d))).strftime("%Y%m%d") for d in days])
    area = np.where(dob < "19970101", "371523", np.where(dob < "20190101", "371523", "371503"))
    seq = rng.integers(0, 499, n_people) * 2 + np.where(gender == 1, 1, 2)
    ids = _id_numbers(area, dob, seq)
    while True:  # real ID numbers are unique: redraw the sequence of any collision
        dup = pl.Series(ids).is_duplicated().to_numpy() & ~pl.Series(ids).is_first_distinct().to_numpy()
        if not dup.any():
            break
        seq[dup] = rng.integers(0, 499, int(dup.sum())) * 2 + np.where(gender[dup] == 1, 1, 2)
        ids[dup] = _id_numbers(area[dup], dob[dup], seq[dup])
    mobile = np.char.add("1", np.char.add(rng.choice(["3", "5", "8", "7"], n_people), rng.integers(100000000, 999999999, n_people).astype(str)))
    phone = np.where(rng.random(n_people) < 0.3, hh_phone[hh_of], mobile)

    # Each person appears in 1..4 sources.
    k = rng.choice([1, 2, 3, 4], size=n_people, p=[0.25, 0.35, 0.25, 0.15])
    person = np.repeat(np.arange(n_people), k)
    m = len(person)
    src = rng.integers(0, len(SOURCES_P), m)
    r = rng.random((m, 12))
    rec_name = name[person].astype(object)
    homo = _homophones()
    sub = np.flatnonzero(r[:, 0] < 0.03)
    for i in sub:
        s = rec_name[i]
        j = len(s) - 1
        rec_name[i] = s[:j] + homo.get(s[j], s[j])
    trad = np.flatnonzero((r[:, 1] < 0.04))
    rec_name[trad] = _s2t(list(rec_name[trad]))
    space = np.flatnonzero(r[:, 2] < 0.03)
    rec_name[space] = [s[0] + " " + s[1:] for s in rec_name[space]]
    fw = np.flatnonzero(r[:, 2] > 0.995)
    rec_name[fw] = [s[0] + "\u3000" + s[1:] for s in rec_name[fw]]

    rec_id = ids[person].astype(object)
    id_missing = r[:, 3] < 0.12
    legacy = (r[:, 4] < 0.05) & (dob[person] < "19800101")
    rec_id[legacy] = [s[:6] + s[8:17] for s in rec_id[legacy]]
    typo = np.flatnonzero((r[:, 5] < 0.02) & ~legacy)
    for i in typo:
        s = rec_id[i]
        p = int(rng.integers(0, 17))
        rec_id[i] = s[:p] + str((int(s[p]) + 1 + int(rng.integers(0, 8))) % 10) + s[p + 1 :]
    swap = np.flatnonzero((r[:, 5] > 0.98) & ~legacy)
    for i in swap:
        s = rec_id[i]
        p = int(rng.integers(6, 16))
        rec_id[i] = s[:p] + s[p + 1] + s[p] + s[p + 2 :]
    lower = r[:, 6] < 0.3
    rec_id[lower] = [s.lower() for s in rec_id[lower]]
    full = np.flatnonzero(r[:, 6] > 0.98)
    rec_id[full] = [s.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"}) for s in rec_id[full]]
    rec_id[id_missing] = None

    d = dob[person]
    fmt = rng.integers(0, 5, m)
    years = np.array([s[:4] for s in d])
    months = np.array([s[4:6] for s in d])
    daysx = np.array([s[6:8] for s in d])
    swapdm = (r[:, 7] < 0.01) & (daysx.astype(int) <= 12)
    months2 = np.where(swapdm, daysx, months)
    days2 = np.where(swapdm, months, daysx)
    rec_dob = np.select(
        [fmt == 0, fmt == 1, fmt == 2, fmt == 3],
        [
            np.char.add(np.char.add(np.char.add(years, "-"), np.char.add(months2, "-")), days2),
            np.char.add(np.char.add(np.char.add(years, "/"), np.char.add(np.char.lstrip(months2, "0"), "/")), np.char.lstrip(days2, "0")),
            np.char.add(np.char.add(years, months2), days2),
            np.char.add(np.char.add(np.char.add(years, "年"), np.char.add(np.char.lstrip(months2, "0"), "月")), np.char.add(np.char.lstrip(days2, "0"), "日")),
        ],
        np.char.add(np.char.add(np.char.add(years, "."), np.char.add(months2, ".")), days2),
    ).astype(object)
    rec_dob[r[:, 8] < 0.1] = None

    g = gender[person]
    rec_gender = np.where(rng.random(m) < 0.5, np.where(g == 1, "男", "女"), g.astype(str)).astype(object)
    rec_gender[r[:, 9] < 0.1] = None

    ph = phone[person].astype(object)
    moved_phone = r[:, 10] < 0.08
    ph[moved_phone] = np.char.add("139", rng.integers(10000000, 99999999, int(moved_phone.sum())).astype(str))
    plus = np.flatnonzero(r[:, 10] > 0.9)
    ph[plus] = ["+86 " + s if s.startswith("1") else s[:4] + "-" + s[4:] for s in ph[plus]]
    ph[(r[:, 11] < 0.2)] = None

    addr = hh_addr[hh_of][person].astype(object)
    moved = r[:, 11] > 0.93
    addr[moved] = np.char.add(np.array(TOWNS)[rng.integers(0, len(TOWNS), int(moved.sum()))], np.char.add(rng.integers(1, 99, int(moved.sum())).astype(str), "号"))
    prefixed = r[:, 9] > 0.6
    addr[prefixed] = np.char.add("山东省聊城市茌平区", addr[prefixed].astype(str))
    addr[(r[:, 4] > 0.92)] = None

    records = pl.DataFrame(
        {
            "source": np.array(SOURCES_P)[src],
            "record_id": [f"r{i}" for i in range(m)],
            "name": list(rec_name),
            "id_number": list(rec_id),
            "gender": list(rec_gender),
            "birth_date": list(rec_dob),
            "phone": list(ph),
            "address": list(addr),
        },
        schema={c: pl.String for c in ("source", "record_id", "name", "id_number", "gender", "birth_date", "phone", "address")},
    )
    truth = records.select("source", "record_id").with_columns(pl.Series("true_id", [f"p{p}" for p in person]))
    order = rng.permutation(m)
    return records[order], truth[order]


ORG_WORDS = "华信德恒鑫源泰达宏盛兴隆祥瑞嘉和丰利通安康永昌金海天成佳美新世纪光明"
INDUSTRY = ("商贸", "建材", "农业科技", "食品", "机械", "物流", "纺织", "化工", "电子", "餐饮", "服装", "五金")
FORMS = ("有限公司", "有限责任公司", "股份有限公司", "专业合作社", "超市", "经营部", "商店")
COMMON_SHOPS = ("便民超市", "兴隆商店", "家家乐超市", "鑫源五金经营部", "平安药店")


def _uscc(rng: np.random.Generator, n: int, category: np.ndarray) -> np.ndarray:
    """Valid credit codes: category + division + organisation code (with its check) + check."""
    chars = np.array(list(USCC_CHARS))
    division = np.where(rng.random(n) < 0.5, "371523", "371503")
    body8 = rng.integers(0, 10, (n, 8))
    org_check = (11 - (body8 @ ORG_WEIGHTS) % 11) % 11
    org_char = np.where(org_check == 10, "X", org_check.astype(str))
    org = np.array(["".join(map(str, row)) for row in body8])
    body17 = np.char.add(np.char.add(np.char.add(category, division), org), org_char)
    values = np.array([[USCC_CHARS.index(c) for c in b] for b in body17])
    check = (31 - (values @ USCC_WEIGHTS) % 31) % 31
    return np.char.add(body17, chars[check])


def orgs(n_records: int, seed: int = 2) -> tuple[pl.DataFrame, pl.DataFrame]:
    """About `n_records` organisation records and their truth (`source, record_id, true_id`)."""
    rng = np.random.default_rng(seed)
    n_org = max(10, int(n_records / 2.0))
    w = np.array(list(ORG_WORDS))
    core = np.char.add(w[rng.integers(0, len(w), n_org)], w[rng.integers(0, len(w), n_org)])
    ind = np.array(INDUSTRY)[rng.integers(0, len(INDUSTRY), n_org)]
    form_i = rng.integers(0, len(FORMS), n_org)
    form = np.array(FORMS)[form_i]
    name = np.char.add(np.char.add(np.char.add("茌平县", core), ind), form)
    shop = rng.random(n_org) < 0.05  # common shop names shared by unrelated businesses
    name = np.where(shop, np.array(COMMON_SHOPS)[rng.integers(0, len(COMMON_SHOPS), n_org)], name)
    category = np.where(form_i == 3, "93", np.where(form_i >= 4, "92", "91"))
    uscc = _uscc(rng, n_org, category)
    rep = np.char.add(
        rng.choice(np.array(list(SURNAMES)), size=n_org, p=_surname_probs()),
        np.char.add(_pick(rng, GIVEN, n_org), np.where(rng.random(n_org) < 0.6, _pick(rng, GIVEN, n_org), "")),
    )
    town = np.array(TOWNS)[rng.integers(0, len(TOWNS), n_org)]
    addr = np.char.add(np.char.add(town, np.array(["工业路", "振兴路", "新华街", "建设路"])[rng.integers(0, 4, n_org)]), np.char.add(rng.integers(1, 500, n_org).astype(str), "号"))
    phone = np.where(rng.random(n_org) < 0.5, np.char.add("0635", rng.integers(2000000, 9999999, n_org).astype(str)), np.char.add("13", rng.integers(100000000, 999999999, n_org).astype(str)))
    start = date(1985, 1, 1)
    est = np.array([(start + timedelta(days=int(d))).strftime("%Y-%m-%d") for d in rng.integers(0, 14000, n_org)])
    renamed = rng.random(n_org) < 0.06
    old_core = np.char.add(w[rng.integers(0, len(w), n_org)], w[rng.integers(0, len(w), n_org)])
    old_name = np.char.add(np.char.add(np.char.add("茌平县", old_core), ind), form)

    k = rng.choice([1, 2, 3, 4], size=n_org, p=[0.3, 0.35, 0.25, 0.1])
    org = np.repeat(np.arange(n_org), k)
    m = len(org)
    r = rng.random((m, 10))
    src = rng.integers(0, len(SOURCES_O), m)
    rec_name = name[org].astype(object)
    use_old = renamed[org] & (r[:, 0] < 0.4)
    rec_name[use_old] = old_name[org][use_old]
    no_form = np.flatnonzero(r[:, 1] < 0.1)
    rec_name[no_form] = [s.replace("有限责任公司", "").replace("有限公司", "") or s for s in rec_name[no_form]]
    bracket = np.flatnonzero(r[:, 1] > 0.92)
    rec_name[bracket] = [s.replace("茌平县", "茌平县(") + ")" if s.startswith("茌平县") else s for s in rec_name[bracket]]
    bracket_fix = [i for i in bracket if rec_name[i].endswith(")") and rec_name[i].count("(") == 1]
    for i in bracket_fix:
        s = rec_name[i][:-1].replace("茌平县(", "")
        rec_name[i] = "茌平县（" + s + "）" if False else s
    prefix_drop = np.flatnonzero((r[:, 2] < 0.15))
    rec_name[prefix_drop] = [s.removeprefix("茌平县") for s in rec_name[prefix_drop]]
    trad = np.flatnonzero(r[:, 2] > 0.97)
    rec_name[trad] = _s2t(list(rec_name[trad]))

    rec_uscc = uscc[org].astype(object)
    typo = np.flatnonzero(r[:, 3] < 0.02)
    for i in typo:
        s = rec_uscc[i]
        p = int(rng.integers(2, 17))
        c = USCC_CHARS[(USCC_CHARS.index(s[p]) + 1 + int(rng.integers(0, 5))) % 31]
        rec_uscc[i] = s[:p] + c + s[p + 1 :]
    lower = r[:, 4] < 0.1
    rec_uscc[lower] = [s.lower() for s in rec_uscc[lower]]
    rec_uscc[(r[:, 3] > 0.82)] = None

    rec_rep = rep[org].astype(object)
    rec_rep[r[:, 5] < 0.1] = None
    rec_addr = addr[org].astype(object)
    pre = r[:, 6] < 0.3
    rec_addr[pre] = np.char.add("山东省聊城市茌平区", rec_addr[pre].astype(str))
    rec_addr[r[:, 6] > 0.9] = None
    rec_phone = phone[org].astype(object)
    rec_phone[r[:, 7] < 0.2] = None
    rec_est = est[org].astype(object)
    fmt = r[:, 8]
    rec_est[fmt < 0.3] = [s.replace("-", "") for s in rec_est[fmt < 0.3]]
    rec_est[fmt > 0.8] = [s.replace("-", "/") for s in rec_est[fmt > 0.8]]
    rec_est[r[:, 9] < 0.1] = None

    records = pl.DataFrame(
        {
            "source": np.array(SOURCES_O)[src],
            "record_id": [f"o{i}" for i in range(m)],
            "name": list(rec_name),
            "uscc": list(rec_uscc),
            "legal_rep": list(rec_rep),
            "address": list(rec_addr),
            "phone": list(rec_phone),
            "established": list(rec_est),
        },
        schema={c: pl.String for c in ("source", "record_id", "name", "uscc", "legal_rep", "address", "phone", "established")},
    )
    truth = records.select("source", "record_id").with_columns(pl.Series("true_id", [f"o{o}" for o in org]))
    order = rng.permutation(m)
    return records[order], truth[order]
