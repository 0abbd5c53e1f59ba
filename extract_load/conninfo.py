"""libpq connection strings, parsed and written as libpq parses and psycopg writes them, without
importing psycopg: a PostgreSQL table read into DuckDB by its PostgreSQL extension needs no
psycopg, whose import was a tenth of a second of every load's start.

`parse` follows libpq's `PQconninfoParse` (src/interfaces/libpq/fe-connect.c: `conninfo_parse`
for `key=value` strings, `conninfo_uri_parse` for `postgresql://` URIs) and `make` psycopg's
`make_conninfo`; tests/test_conninfo.py checks both against psycopg on generated strings.
"""

from __future__ import annotations

import re

__all__ = ["ConninfoError", "make", "parse"]

# libpq 18's connection options (`PQconndefaults()`); a test compares them with the installed
# libpq's. libpq refuses any other keyword.
KEYWORDS = frozenset(
    [
        "service",
        "user",
        "password",
        "passfile",
        "channel_binding",
        "connect_timeout",
        "dbname",
        "host",
        "hostaddr",
        "port",
        "client_encoding",
        "options",
        "application_name",
        "fallback_application_name",
        "keepalives",
        "keepalives_idle",
        "keepalives_interval",
        "keepalives_count",
        "tcp_user_timeout",
        "sslmode",
        "sslnegotiation",
        "sslcompression",
        "sslcert",
        "sslkey",
        "sslcertmode",
        "sslpassword",
        "sslrootcert",
        "sslcrl",
        "sslcrldir",
        "sslsni",
        "requirepeer",
        "require_auth",
        "min_protocol_version",
        "max_protocol_version",
        "ssl_min_protocol_version",
        "ssl_max_protocol_version",
        "gssencmode",
        "krbsrvname",
        "gsslib",
        "gssdelegation",
        "replication",
        "target_session_attrs",
        "load_balance_hosts",
        "scram_client_key",
        "scram_server_key",
        "oauth_issuer",
        "oauth_client_id",
        "oauth_client_secret",
        "oauth_scope",
        "sslkeylogfile",
    ]
)
_URI_PREFIXES = ("postgresql://", "postgres://")
_SPACE = " \t\n\v\f\r"  # C's isspace(): libpq's whitespace


class ConninfoError(ValueError):
    """A connection string libpq would refuse; the message is libpq's."""


def parse(conninfo: str) -> dict[str, str]:
    """The options set by `conninfo` (a URI or `key=value` pairs), as psycopg's
    `conninfo_to_dict` gives them."""
    options: dict[str, str] = {}
    if conninfo.startswith(_URI_PREFIXES):
        _parse_uri(conninfo, options)
    else:
        _parse_pairs(conninfo, options)
    return options


def make(params: dict[str, str]) -> str:
    """`key=value` pairs that libpq parses back into `params`."""
    text = " ".join(f"{key}={_escape(value)}" for key, value in params.items())
    parse(text)  # as psycopg does: a wrong keyword fails here, not at connection time
    return text


def _escape(value: str) -> str:
    if not value:
        return "''"
    value = re.sub(r"([\\'])", r"\\\1", value)
    return f"'{value}'" if re.search(r"\s", value) else value


def _store(options: dict[str, str], keyword: str, value: str, uri_param: bool = False) -> None:
    if keyword == "requiressl":  # libpq's backward compatibility
        keyword, value = "sslmode", "require" if value.startswith("1") else "prefer"
    if not _utf8(keyword) or not _utf8(value):
        raise ConninfoError(f"a percent-encoded value is not UTF-8: {keyword}={value!r}")
    if keyword not in KEYWORDS:
        if uri_param:
            raise ConninfoError(f'invalid URI query parameter: "{keyword}"')
        raise ConninfoError(f'invalid connection option "{keyword}"')
    options[keyword] = value


def _utf8(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _parse_pairs(text: str, options: dict[str, str]) -> None:
    at, end = 0, len(text)
    while at < end:
        if text[at] in _SPACE:
            at += 1
            continue
        start = at
        while at < end and text[at] != "=" and text[at] not in _SPACE:
            at += 1
        keyword = text[start:at]
        while at < end and text[at] in _SPACE:
            at += 1
        if at == end or text[at] != "=":
            raise ConninfoError(f'missing "=" after "{keyword}" in connection info string')
        at += 1
        while at < end and text[at] in _SPACE:
            at += 1
        value: list[str] = []
        if at < end and text[at] == "'":
            at += 1
            while True:
                if at >= end:
                    raise ConninfoError("unterminated quoted string in connection info string")
                char = text[at]
                if char == "\\":
                    if at + 1 < end:
                        value.append(text[at + 1])
                    at += 2
                    continue
                at += 1
                if char == "'":
                    break
                value.append(char)
        else:
            while at < end and text[at] not in _SPACE:
                if text[at] == "\\":
                    if at + 1 < end:
                        value.append(text[at + 1])
                    at += 2
                else:
                    value.append(text[at])
                    at += 1
            at += 1  # the space that ended it
        _store(options, keyword, "".join(value))


def _decode(text: str) -> str:
    """libpq's percent-decoding (no '+' for a space; spaces around the value are dropped, and
    one within it is refused)."""
    raw = text
    text = text.strip(" ")
    if " " in text:
        raise ConninfoError(
            f'unexpected spaces found in "{raw}", use percent-encoded spaces (%20) instead'
        )
    out = bytearray()
    at = 0
    while at < len(text):
        char = text[at]
        if char != "%":
            out += char.encode()
            at += 1
            continue
        pair = text[at + 1 : at + 3]
        if len(pair) < 2 or not all(c in "0123456789abcdefABCDEF" for c in pair):
            raise ConninfoError(f'invalid percent-encoded token: "{text}"')
        if pair == "00":
            raise ConninfoError(f'forbidden value %00 in percent-encoded value: "{text}"')
        out.append(int(pair, 16))
        at += 3
    return out.decode(errors="surrogateescape")  # refused when stored: see _store


def _parse_uri(uri: str, options: dict[str, str]) -> None:
    rest = uri.split("://", 1)[1]
    # User and password: before an '@' that comes before the first '/'.
    slash = rest.find("/")
    at_sign = rest.find("@", 0, len(rest) if slash < 0 else slash)
    if at_sign >= 0:
        credentials, rest = rest[:at_sign], rest[at_sign + 1 :]
        user, colon, password = credentials.partition(":")
        if user:
            _store(options, "user", _decode(user))
        if colon and password:
            _store(options, "password", _decode(password))
    hosts: list[str] = []
    ports: list[str] = []
    at, end = 0, len(rest)
    terminator = ""
    while True:
        if at < end and rest[at] == "[":
            close = rest.find("]", at + 1)
            if close < 0:
                raise ConninfoError(
                    'end of string reached when looking for matching "]" in IPv6 host '
                    f'address in URI: "{uri}"'
                )
            if close == at + 1:
                raise ConninfoError(f'IPv6 host address may not be empty in URI: "{uri}"')
            host = rest[at + 1 : close]
            at = close + 1
            if at < end and rest[at] not in ":/?,":
                raise ConninfoError(
                    f'unexpected character "{rest[at]}" at position {at} in URI (expected ":" '
                    f'or "/"): "{uri}"'
                )
        else:
            start = at
            while at < end and rest[at] not in ":/?,":
                at += 1
            host = rest[start:at]
        hosts.append(host)
        terminator = rest[at] if at < end else ""
        if terminator == ":":
            start = at = at + 1
            while at < end and rest[at] not in "/?,":
                at += 1
            ports.append(rest[start:at])
            terminator = rest[at] if at < end else ""
        else:
            ports.append("")
        if terminator != ",":
            break
        at += 1
    host_list, port_list = ",".join(hosts), ",".join(ports)
    if host_list:
        _store(options, "host", _decode(host_list))
    if port_list:
        _store(options, "port", _decode(port_list))
    if terminator and terminator != "?":
        start = at = at + 1
        while at < end and rest[at] != "?":
            at += 1
        if rest[start:at]:
            _store(options, "dbname", _decode(rest[start:at]))
        terminator = rest[at] if at < end else ""
    if terminator:
        _parse_uri_params(rest[at + 1 :], options)


def _parse_uri_params(params: str, options: dict[str, str]) -> None:
    if not params:
        return
    pieces = params.split("&")
    if len(pieces) > 1 and not pieces[-1]:
        pieces.pop()  # libpq takes a trailing '&'
    for param in pieces:
        keyword, equals, value = param.partition("=")
        if not equals:
            raise ConninfoError(
                f'missing key/value separator "=" in URI query parameter: "{param}"'
            )
        if "=" in value:
            raise ConninfoError(f'extra key/value separator "=" in URI query parameter: "{param}"')
        keyword, value = _decode(keyword), _decode(value)
        if keyword == "ssl" and value == "true":  # libpq's JDBC compatibility
            keyword, value = "sslmode", "require"
        _store(options, keyword, value, uri_param=True)
