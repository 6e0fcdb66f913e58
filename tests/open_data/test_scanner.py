"""The personal-data scan: planted personal data of every kind, in the spellings the ingest
accepts, is found (and named masked); look-alikes that open data legitimately holds pass."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from pipelines.open_data.scanner import scan_frame, scan_text
from pipelines.standards.credit_code import credit_code_check_char, org_code_check_char
from pipelines.standards.id_number import id_check_char

AS_OF = date(2026, 11, 1)

PLANTED = {
    "ID, valid checksum": "11010519491231002X",
    "ID, lowercase x": "11010519491231002x",
    "ID, wrong checksum": "110105194912310021",
    "ID, full-width": "１１０１０５１９４９１２３１００２Ｘ",
    "ID, spaced": "1101 0519 4912 3100 2X",
    "ID, Excel quote": "'440524188001010014",
    "ID, Excel formula": '="440524188001010014"',
    "ID, ideographic spaces": "371503\u30001990\u30000101\u3000123X",
    "ID, permanent residence (9 + province)": "937000199001011235",
    "ID inside text": "当事人身份证号:37150319900101123X，已处理",
    "legacy 15-digit ID": "150102880730303",
    "mobile": "13812345678",
    "mobile with hyphens": "138-1234-5678",
    "mobile with spaces": "138 1234 5678",
    "mobile +86": "+86 138 1234 5678",
    "mobile +86 joined": "+8613812345678",
    "mobile 0086": "008613812345678",
    "mobile 86": "8613812345678",
    "mobile full-width": "１３８１２３４５６７８",
    "mobile in text": "联系电话：13812345678（王经理）",
    "landline with hyphen": "0635-8512345",
    "landline in brackets": "(0635)8512345",
    "landline full-width brackets": "（0635）8512345",
    "landline spaced": "0635 8512345",
    "landline joined": "06358512345",
    "landline Beijing": "010-12345678",
    "landline +86": "+86-635-8512345",
    "bank card UnionPay 19": "6222021234567890128",
    "bank card spaced": "6222 0212 3456 7890 128",
    "bank card Visa 16": "4111111111111111",
    "plate": "鲁A12345",
    "plate with dot": "鲁A·12345",
    "plate new energy": "鲁AD12345",
    "plate lowercase": "鲁p12345",
    "e-mail": "zhang.san@example.com",
    "e-mail full-width at": "zhangsan＠163.com",
}


def _all_digit_credit_code() -> str:
    """An all-digit unified social credit code whose digits 7-14 even read as a date (19800101):
    registering authority 12 (Tianjin's province code too), division 371519, organisation code
    80010112 + its check digit."""
    body = "80010112"
    org = body + org_code_check_char(body)
    assert org.isdigit()
    head = "12371519" + org
    code = head + credit_code_check_char(head)
    if not code.isdigit():  # choose a body whose check characters are digits
        for n in range(80010100, 80010199):
            org = str(n) + org_code_check_char(str(n))
            head = "12371519" + org
            code = head + credit_code_check_char(head)
            if code.isdigit() and org.isdigit() and id_check_char(code[:17]) != code[17]:
                break
    assert code.isdigit()
    return code


LOOK_ALIKES = {
    "credit code": "91310110666007217T",
    "credit code with letters": "91350100M000100Y43",
    "all-digit credit code": _all_digit_credit_code(),
    "licence number with letters": "JY13715030012345",
    "licence number in words": "鲁食药监械经营备20190045号",
    "ICP licence": "鲁B2-20100001",
    "court case number": "(2023)鲁1523行初12号",
    "date": "2026-11-01",
    "date range": "2020-01-01至2023-12-31",
    "compact date": "20230101",
    "no-expiry date": "2099-12-31",
    "amount": "1234567.89",
    "amount with commas": "12,345,678.00",
    "amount in wan yuan": "0.5000",
    "coordinate": "116.123456",
    "coordinates pair": "116.123456,36.583212",
    "long decimal": "36.58321298765432101",
    "township code": "371503101",
    "village code": "371503101201",
    "address": "山东省聊城市茌平区振兴街道新华路12号",
    "company name": "茌平县信发化工有限公司",
}


@pytest.mark.parametrize("kind", sorted(PLANTED))
def test_every_kind_of_personal_datum_is_found_in_every_spelling(kind: str) -> None:
    value = PLANTED[kind]
    found = scan_text(value, AS_OF)
    assert found is not None, f"{kind}: {value!r} passed the scan"
    # the message shows the value masked, never whole
    label, masked = found
    assert "*" in masked and masked not in value


@pytest.mark.parametrize("kind", sorted(LOOK_ALIKES))
def test_look_alikes_pass(kind: str) -> None:
    assert scan_text(LOOK_ALIKES[kind], AS_OF) is None, f"{kind}: {LOOK_ALIKES[kind]!r} was taken for personal data"


def test_a_licence_number_column_reads_division_and_year_numbering_as_a_number() -> None:
    """Licence numbers made of a division code, a year and a serial look like legacy IDs; in a
    column whose header names a licence number they are not one, but a real ID still is."""
    frame = pl.DataFrame({"licence_no": ["371503200512345", "371503200612346"], "note": ["371503200512345", None]})
    hits = scan_frame("ds", frame, {"licence_no": "许可编号", "note": "备注"}, AS_OF)
    assert [(h.column, h.row) for h in hits] == [("备注 (note)", 1)]
    checksum_valid = "440524188001010014"
    frame = pl.DataFrame({"licence_no": [checksum_valid]})
    assert scan_frame("ds", frame, {"licence_no": "许可编号"}, AS_OF)


def test_residents_names_are_found_outside_the_publicity_fields_only() -> None:
    names = frozenset({"张伟", "李娜"})
    frame = pl.DataFrame({
        "name": ["茌平县张伟五金店", "信发集团"],  # a business named after its owner is not a bare name
        "legal_rep": ["张伟", "李娜"],
        "contact": [None, "李娜、王经理"],
    })
    headers = {"name": "主体名称", "legal_rep": "法定代表人（经营者）", "contact": "联系人"}
    hits = scan_frame("ds", frame, headers, AS_OF, names)
    assert [(h.column, h.row, h.kind) for h in hits] == [("联系人 (contact)", 2, "居民姓名 resident's name")]
    assert hits[0].masked == "李*"
    assert "李娜" not in str(hits[0])


def test_integer_columns_are_scanned_too() -> None:
    frame = pl.DataFrame({"count": [12, 40], "tel": [13812345678, 13912345678]})
    hits = scan_frame("ds", frame, {}, AS_OF)
    assert [(h.column, h.row) for h in hits] == [("tel", 1), ("tel", 2)]


def test_residents_names_come_from_the_population_library_minus_place_names() -> None:
    import duckdb

    from pipelines.open_data.scanner import resident_names

    con = duckdb.connect()
    con.execute("create schema lib_population; create schema lib_spatial")
    con.execute("create table lib_population.person as select * from (values ('张伟'), ('王庄'), ('A'), (null)) t(name)")
    con.execute("create table lib_spatial.division as select '王庄' as division_name")
    assert resident_names(con) == frozenset({"张伟"})
