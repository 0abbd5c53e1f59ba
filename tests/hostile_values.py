"""Hypothesis strategies for rows of values that break COPY, CSV and type mappings, and the
table they go into: a column of each type the loaders map."""

from __future__ import annotations

import ipaddress
import json
from datetime import UTC, timedelta, timezone
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

TABLE = "hostile"
LABELS = ("\\N", "a,b", ' q"uote ', "line\nbreak", "\\.", "😀", "e\u0301")

SCHEMA = f"""
create type hostile_label as enum ({", ".join("'" + label.replace("'", "''") + "'" for label in LABELS)});
create table {TABLE} (
    id integer primary key,
    words text, short varchar(40), padded char(12), label hostile_label,
    any_number numeric, money numeric(12,4), wide numeric(60,10),
    small smallint, medium integer, big bigint, single real, double double precision,
    flag boolean, day date, local_time timestamp, happened timestamptz,
    clock time, clock_tz timetz, span interval, picture bytea, uid uuid,
    doc json, docb jsonb, words_list text[], numbers integer[], doubles double precision[],
    address inet, network cidr, labels hostile_label[], cash money, bits varbit,
    period tstzrange, uids uuid[]
);
"""  # noqa: E501
COLUMNS = [
    "words",
    "short",
    "padded",
    "label",
    "any_number",
    "money",
    "wide",
    "small",
    "medium",
    "big",
    "single",
    "double",
    "flag",
    "day",
    "local_time",
    "happened",
    "clock",
    "clock_tz",
    "span",
    "picture",
    "uid",
    "doc",
    "docb",
    "words_list",
    "numbers",
    "doubles",
    "address",
    "network",
    "labels",
    "cash",
    "bits",
    "period",
    "uids",
]
CASTS = {"label": "hostile_label", "any_number": "numeric", "money": "numeric(12,4)"}
CASTS |= {"wide": "numeric(60,10)", "day": "date", "local_time": "timestamp"}
CASTS |= {"happened": "timestamptz", "clock": "time", "clock_tz": "timetz", "span": "interval"}
CASTS |= {"uid": "uuid", "doc": "json", "docb": "jsonb", "words_list": "text[]"}
CASTS |= {
    "doubles": "double precision[]",
    "numbers": "integer[]",
    "address": "inet",
    "network": "cidr",
    "single": "real",
    "labels": "hostile_label[]",
    "cash": "numeric::money",
    "bits": "varbit",
    "period": "tstzrange",
    "uids": "uuid[]",
}
INSERT = (
    f"insert into {TABLE} values (%s, "
    + ", ".join(f"%s::{CASTS[c]}" if c in CASTS else "%s" for c in COLUMNS)
    + ")"
)

# What breaks COPY text, CSV and naive readers, as pieces that text is made of.
FRAGMENTS = (
    '"', "'", ",", "\\", "\\N", "\n\\.\n", "\\.", "\r", "\n", "\r\n", "\t", " ", "  ",
    "NULL", "null", "NaN", "N/A", "\\x00ff", "{", "}", "(", ")", "[", "]", '{"a"}', "\\\\N",
    "😀", "👩‍👩‍👧", "e\u0301", "\u0301", "\ufeff", "\u2028", "\u00a0", "\U00020000", "\U0003134a",
    "\U000e0001", "\U0010fffd", "\x7f", "\x1b", "ß", "İ", "ǅ",
)  # fmt: skip
# Every code point PostgreSQL text can hold: any Unicode plane, no NUL, no lone surrogate.
CHARACTERS = st.characters(codec="utf-8", exclude_characters="\x00")
hostile_text = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(CHARACTERS, max_size=8)), max_size=8
).map("".join)


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


def _digits(max_digits: int) -> st.SearchStrategy[str]:
    return st.integers(1, max_digits).flatmap(
        lambda n: st.text("0123456789", min_size=n, max_size=n)
    )


def _decimal_text(integer_digits: int, fraction_digits: int) -> st.SearchStrategy[str]:
    sign = st.sampled_from(["", "-", "+"])
    fraction = st.one_of(st.just(""), _digits(fraction_digits).map(lambda d: "." + d))
    return st.tuples(sign, _digits(integer_digits), fraction).map("".join)


SPECIAL_NUMBERS = ("NaN", "Infinity", "-Infinity", "-0", "0.0", "-0.000")
any_number = st.one_of(
    st.sampled_from(SPECIAL_NUMBERS),
    _decimal_text(1000, 1000),
    st.just("1" + "0" * 999),
    st.just("-" + "9" * 1000 + "." + "9" * 1000),
)
# numeric(p,s) may hold NaN (never ±Infinity); NaN is refused on DuckDB (see the test).
money = st.one_of(st.sampled_from(("-0", "0.0000", "99999999.9999")), _decimal_text(8, 4))
wide = st.one_of(st.sampled_from(("-0", "9" * 50 + "." + "9" * 10)), _decimal_text(50, 10))

# DuckDB's dates and timestamps span PostgreSQL's, but for timestamps after 294247-01-10:
# those are refused on DuckDB (see the test), so generated ones stay before it.
SPECIAL_DAYS = ("infinity", "-infinity", "0044-03-15 BC", "4713-01-01 BC", "5874897-12-31")
day = st.one_of(st.sampled_from(SPECIAL_DAYS), st.dates().map(lambda d: d.isoformat()))
SPECIAL_TIMES = (
    "infinity", "-infinity", "4713-01-01 00:00:00 BC", "0044-03-15 12:00:00.5 BC",
    "10000-01-01 00:00:00", "294247-01-10 04:00:54.775806", "2024-02-29 23:59:59.999999",
)  # fmt: skip
local_time = st.one_of(st.sampled_from(SPECIAL_TIMES), st.datetimes().map(str))
offsets = st.integers(-15 * 60 - 59, 15 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m)))
happened = st.one_of(
    st.sampled_from(SPECIAL_TIMES).map(lambda t: t.replace(" BC", "+00 BC") if "BC" in t else t),
    st.datetimes(timezones=st.one_of(st.just(UTC), offsets)).map(str),
)
clock = st.one_of(st.just("24:00:00"), st.times().map(str))
clock_tz = st.one_of(
    st.just("24:00:00+15:59"), st.times(timezones=offsets).map(lambda t: t.isoformat())
)
span = st.tuples(
    st.integers(-(2**31) + 1, 2**31 - 1),
    st.integers(-(2**31) + 1, 2**31 - 1),
    st.integers(-(2**62), 2**62),
).map(lambda f: f"{f[0]} mons {f[1]} days {f[2]} microseconds")
json_values = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(), hostile_text,
        st.floats(allow_nan=False, allow_infinity=False),
        st.integers(-(10**40), 10**40),
    ),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(hostile_text, inner, max_size=4),
    max_leaves=8,
)  # fmt: skip
json_text = st.tuples(json_values, st.sampled_from([None, 0, 2])).map(
    lambda v: json.dumps(v[0], ensure_ascii=False, indent=v[1])
)
period = st.one_of(
    st.sampled_from(("empty", "(,)", '["2024-01-01 00:00:00+00",infinity)')),
    st.tuples(
        st.datetimes(timezones=st.one_of(st.just(UTC), offsets)),
        st.datetimes(timezones=st.one_of(st.just(UTC), offsets)),
        st.sampled_from(("[)", "(]", "[]", "()")),
    ).map(
        lambda r: (
            f'{r[2][0]}"{min(r[0], r[1])}","{max(r[0], r[1])}"{r[2][1]}'
            if r[0] != r[1]
            else "empty"
        )
    ),
)
# money's range: a signed 64-bit count of cents.
cash = st.decimals(
    min_value=Decimal("-92233720368547758.08"), max_value=Decimal("92233720368547758.07"), places=2
).map(str)
address = st.ip_addresses().map(str)
network = st.tuples(st.ip_addresses(), st.integers(0, 128)).map(
    lambda a: str(ipaddress.ip_network(f"{a[0]}/{min(a[1], a[0].max_prefixlen)}", strict=False))
)


def _float(width: int) -> st.SearchStrategy[float]:
    specials = st.sampled_from([float("nan"), float("inf"), float("-inf"), -0.0, 0.0])
    return st.one_of(specials, st.floats(width=width))  # type: ignore[arg-type]


ROW = st.tuples(
    _maybe(hostile_text),
    _maybe(hostile_text.map(lambda t: t[:40])),
    _maybe(hostile_text.map(lambda t: t[:12])),
    _maybe(st.sampled_from(LABELS)),
    _maybe(any_number),
    _maybe(money),
    _maybe(wide),
    _maybe(st.integers(-(2**15), 2**15 - 1)),
    _maybe(st.integers(-(2**31), 2**31 - 1)),
    _maybe(st.integers(-(2**63), 2**63 - 1)),
    _maybe(_float(32)),
    _maybe(_float(64)),
    _maybe(st.booleans()),
    _maybe(day),
    _maybe(local_time),
    _maybe(happened),
    _maybe(clock),
    _maybe(clock_tz),
    _maybe(span),
    _maybe(st.binary(max_size=64)),
    _maybe(st.uuids()),
    _maybe(json_text),
    _maybe(json_text),
    _maybe(st.lists(_maybe(hostile_text), max_size=5)),
    _maybe(st.lists(_maybe(st.integers(-(2**31), 2**31 - 1)), max_size=5)),
    _maybe(st.lists(_maybe(_float(64)), max_size=4)),
    _maybe(address),
    _maybe(network),
    _maybe(st.lists(_maybe(st.sampled_from(LABELS)), max_size=4)),
    _maybe(cash),
    _maybe(st.text("01", max_size=70)),
    _maybe(period),
    _maybe(st.lists(_maybe(st.uuids()), max_size=3)),
)
