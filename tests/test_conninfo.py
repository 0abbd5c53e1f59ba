"""The loaders' connection-string parser against libpq's own (through psycopg): the same options,
or a refusal, for URIs and key=value strings built of every character libpq treats specially."""

from __future__ import annotations

import psycopg
import psycopg.pq
from hypothesis import given, settings
from hypothesis import strategies as st
from psycopg.conninfo import conninfo_to_dict

from extract_load import conninfo

# Characters with a meaning in one form or the other, plain ones, and non-ASCII.
_CHARS = st.sampled_from([*"ab1 =\\'%@:/?&,[]\t-é2F0", "%2F", "%41", "%00", "%zz", "::1"])
_TEXT = st.lists(_CHARS, max_size=8).map("".join)
_KEYWORDS = st.sampled_from(
    [
        "host",
        "port",
        "dbname",
        "user",
        "password",
        "sslmode",
        "options",
        "application_name",
        "requiressl",  # libpq's older spelling of sslmode
        "ssl",  # a URI's ssl=true: JDBC's
        "nosuch",
        "",
    ]
)


def _libpq(text: str) -> dict[str, str] | None:
    try:
        return conninfo_to_dict(text)
    except (psycopg.ProgrammingError, UnicodeDecodeError):  # psycopg's, for a value not UTF-8
        return None


def _ours(text: str) -> dict[str, str] | None:
    try:
        return conninfo.parse(text)
    except conninfo.ConninfoError:
        return None


def _same_as_libpq(text: str) -> None:
    assert _ours(text) == _libpq(text), text


@settings(max_examples=3000, deadline=None)
@given(
    st.lists(
        st.tuples(_KEYWORDS, st.sampled_from(["=", " = ", " ", "=  "]), _TEXT, st.booleans()),
        max_size=4,
    ),
    st.sampled_from([" ", "  ", "\t"]),
)
def test_key_value_strings_parse_as_libpq_parses_them(pairs, separator):
    text = separator.join(
        keyword + equals + ("'" + value + "'" if quoted else value)
        for keyword, equals, value, quoted in pairs
    )
    _same_as_libpq(text)


_URI_PART = st.lists(st.sampled_from([*"ab1:@/?&=,[]%.", "%2F", "%40", "::1", "5432"]), max_size=10)


@settings(max_examples=3000, deadline=None)
@given(
    st.sampled_from(["postgresql://", "postgres://"]),
    _URI_PART.map("".join),
    st.lists(st.tuples(_KEYWORDS, _TEXT), max_size=3),
)
def test_uris_parse_as_libpq_parses_them(prefix, body, params):
    query = "&".join(f"{keyword}={value}" for keyword, value in params)
    _same_as_libpq(prefix + body + ("?" + query if params else ""))


def test_examples_parse_as_libpq_parses_them():
    for text in [
        "",
        "postgresql://",
        "postgresql://u:p%40ss@[::1]:5433,other:5434/db%2Fname?sslmode=require&application_name=a%20b",
        "postgresql://postgres@/postgres?host=/tmp/elt-bench-postgres&port=5432",
        "postgres://user@host/db?ssl=true&",
        "postgresql://a,b/db",
        "postgresql://h/db?&",
        "postgresql://h?",
        "host=/tmp port=5432 dbname='my db' password='it\\'s' user=x\\ y",
        "host = localhost   dbname=",
        "dbname='unterminated",
        "requiressl=1 host=h",
    ]:
        _same_as_libpq(text)


@settings(max_examples=1000, deadline=None)
@given(st.dictionaries(st.sampled_from(["host", "dbname", "user", "password", "options"]), _TEXT))
def test_a_written_connection_string_parses_back(params):
    written = conninfo.make(params)
    assert conninfo_to_dict(written) == params
    assert written == psycopg.conninfo.make_conninfo(**params)


def test_the_keywords_are_the_installed_libpqs():
    installed = {option.keyword.decode() for option in psycopg.pq.Conninfo.get_defaults()}
    assert installed == conninfo.KEYWORDS
