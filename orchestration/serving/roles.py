"""Least-privilege roles on a PostgreSQL warehouse (`elt warehouse init`).

Three group roles (NOLOGIN); people and services log in as their own roles, granted membership:

* `elt_loader` owns the schemas the loaders write (`raw_<source>` and `elt`) and every table in
  them. It writes nothing else.
* `elt_transformer` owns dbt's schemas (`staging`, `intermediate`, `marts`) and everything dbt
  builds in them, and the published copy of the marts (`analytics`); it reads the raw schemas,
  never `elt`.
* `analyst` reads the published marts (`analytics`) and nothing else: not the marts dbt is
  building, no raw table, no staging view, so no personal data beyond what the marts expose
  (e-mail domains, never addresses).

PostgreSQL gives a new table to the role that creates it, and default privileges
(`ALTER DEFAULT PRIVILEGES FOR ROLE x`) apply only to tables that role `x` creates. So every
load must run as `elt_loader` and every dbt build as `elt_transformer` itself, not merely as a
member: `init_warehouse` makes each login it is given act as its group in the warehouse database
(`ALTER ROLE login IN DATABASE db SET role TO group`). Objects that already exist are handed
to their schema's owner and granted as new ones would be, so the command is safe to run again
at any time (after adding a source, say).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

from extract_load.errors import ConfigError, WarehouseError, connection_error_reason
from extract_load.identifiers import quote_ident
from extract_load.schemas import DBT_SCHEMAS, METADATA_SCHEMA, PUBLISHED_SCHEMA
from extract_load.settings import redact_url

__all__ = [
    "ANALYST_ROLE",
    "GROUP_ROLES",
    "LOADER_ROLE",
    "PUBLISHED_SCHEMAS",
    "TRANSFORMER_ROLE",
    "Members",
    "SchemaAccess",
    "access_rows",
    "describe_roles",
    "init_warehouse",
    "schema_access",
]

LOADER_ROLE = "elt_loader"
TRANSFORMER_ROLE = "elt_transformer"
ANALYST_ROLE = "analyst"
GROUP_ROLES = (LOADER_ROLE, TRANSFORMER_ROLE, ANALYST_ROLE)

# The schemas analysts may read (extract_load/schemas.py says why only the published copy).
PUBLISHED_SCHEMAS = (PUBLISHED_SCHEMA,)

# Serialises concurrent runs on one database (an advisory lock's key; any constant will do).
_LOCK_KEY = 0x656C7400


@dataclass(frozen=True)
class SchemaAccess:
    """Who owns (creates, writes) a schema's tables, and who may only read them."""

    schema: str
    owner: str
    readers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Members:
    """Existing login roles to add to each group."""

    loaders: tuple[str, ...] = ()
    transformers: tuple[str, ...] = ()
    analysts: tuple[str, ...] = ()

    def by_group(self) -> dict[str, tuple[str, ...]]:
        return {
            LOADER_ROLE: self.loaders,
            TRANSFORMER_ROLE: self.transformers,
            ANALYST_ROLE: self.analysts,
        }


def schema_access(raw_schemas: Sequence[str]) -> tuple[SchemaAccess, ...]:
    """Every schema of the warehouse, its owner and its readers: the one list of them.
    `raw_schemas` are the sources' (`raw_<source>` for each entry of sources.yml)."""
    raw = tuple(SchemaAccess(schema, LOADER_ROLE, (TRANSFORMER_ROLE,)) for schema in raw_schemas)
    dbt = tuple(SchemaAccess(schema, TRANSFORMER_ROLE) for schema in DBT_SCHEMAS)
    published = tuple(
        SchemaAccess(schema, TRANSFORMER_ROLE, (ANALYST_ROLE,)) for schema in PUBLISHED_SCHEMAS
    )
    return (*raw, SchemaAccess(METADATA_SCHEMA, LOADER_ROLE), *dbt, *published)


def _roles(names: Iterable[str]) -> str:
    return ", ".join(quote_ident(name) for name in names)


def _database_statements(database: str) -> list[str]:
    db = quote_ident(database)
    return [
        f"GRANT CONNECT ON DATABASE {db} TO {_roles(GROUP_ROLES)}",
        # No group creates schemas: this command makes every one (a loader finds a missing
        # raw schema and says to run it again, after adding a source).
        f"REVOKE CREATE ON DATABASE {db} FROM {_roles(GROUP_ROLES)}",
        # dbt-postgres builds incremental models through temporary tables.
        f"GRANT TEMPORARY ON DATABASE {db} TO {quote_ident(TRANSFORMER_ROLE)}",
    ]


def _schema_statements(access: SchemaAccess) -> list[str]:
    """Owner, then the grants: revoked from everyone else first, so that reruns converge."""
    schema, owner = quote_ident(access.schema), quote_ident(access.owner)
    others = [role for role in GROUP_ROLES if role != access.owner]
    revoke_from = ", ".join(["PUBLIC", _roles(others)])
    statements = [
        f"CREATE SCHEMA IF NOT EXISTS {schema} AUTHORIZATION {owner}",
        f"ALTER SCHEMA {schema} OWNER TO {owner}",
        f"REVOKE ALL ON SCHEMA {schema} FROM {revoke_from}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {revoke_from}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {revoke_from}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} "
        f"REVOKE ALL ON TABLES FROM {revoke_from}",
    ]
    if access.readers:
        readers = _roles(access.readers)
        statements += [
            f"GRANT USAGE ON SCHEMA {schema} TO {readers}",
            f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {readers}",
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} "
            f"GRANT SELECT ON TABLES TO {readers}",
        ]
    return statements


_RELATION_KINDS = {
    "r": "TABLE",
    "p": "TABLE",
    "v": "VIEW",
    "m": "MATERIALIZED VIEW",
    "f": "FOREIGN TABLE",
    "S": "SEQUENCE",
}

# Relations of a schema that another role owns. Sequences that belong to a table column
# (serial, identity) follow their table and cannot be given away on their own.
_FOREIGN_OWNED = """
select c.relname::text, c.relkind::text
from pg_class as c
where c.relnamespace = to_regnamespace(%s)
  and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
  and c.relowner <> to_regrole(%s)
  and not exists (
      select 1 from pg_depend as d
      where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype in ('a', 'i')
  )
order by c.relname
"""


def _ownership_statements(connection: psycopg.Connection, access: SchemaAccess) -> list[str]:
    """Hand what exists in the schema to its owner: loads and dbt must alter, swap and drop it."""
    rows = connection.execute(
        _FOREIGN_OWNED, (quote_ident(access.schema), quote_ident(access.owner))
    ).fetchall()
    return [
        f"ALTER {_RELATION_KINDS[kind]} {quote_ident(access.schema)}.{quote_ident(name)} "
        f"OWNER TO {quote_ident(access.owner)}"
        for name, kind in rows
    ]


def _member_statements(database: str, members: Members) -> list[str]:
    statements = []
    for group, logins in members.by_group().items():
        for login in logins:
            statements.append(f"GRANT {quote_ident(group)} TO {quote_ident(login)}")
            if group != ANALYST_ROLE:
                # The login acts as its group in this database, so that what it creates
                # belongs to the group and the group's default privileges apply to it.
                statements.append(
                    f"ALTER ROLE {quote_ident(login)} IN DATABASE {quote_ident(database)} "
                    f"SET role TO {quote_ident(group)}"
                )
    return statements


def _check_members(connection: psycopg.Connection, members: Members) -> None:
    acting = [*members.loaders, *members.transformers]
    both = sorted(set(members.loaders) & set(members.transformers))
    if both:
        raise ConfigError(
            f"{', '.join(both)}: a login acts as one role in the warehouse; give loads and dbt "
            "separate logins"
        )
    user = _scalar(connection, "SELECT current_user::text")
    if user in acting:
        raise ConfigError(
            f"{user!r} runs this command; it cannot also be a loader or transformer login "
            "(it would act as that role from then on)"
        )
    names = sorted({*acting, *members.analysts})
    if not names:
        return
    found = {
        name
        for (name,) in connection.execute(
            "SELECT rolname::text FROM pg_roles WHERE rolname = ANY(%s)", (names,)
        )
    }
    missing = [name for name in names if name not in found]
    if missing:
        raise ConfigError(
            f"login role(s) {', '.join(missing)} do not exist; create them first, e.g. "
            f"CREATE ROLE {quote_ident(missing[0])} LOGIN PASSWORD '...'"
        )


def _create_group_roles(connection: psycopg.Connection) -> list[str]:
    """Create the missing group roles; the names of those created. Existing ones are kept as
    they are (their attributes are the administrator's business)."""
    created = []
    for role in GROUP_ROLES:
        exists = connection.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
        if exists.fetchone():
            continue
        try:
            connection.execute(f"CREATE ROLE {quote_ident(role)} NOLOGIN")
        except (psycopg.errors.DuplicateObject, psycopg.errors.UniqueViolation):
            continue  # created by a concurrent run (roles are shared by the whole server)
        created.append(role)
    return created


def _scalar(connection: psycopg.Connection, query: str) -> Any:
    row = connection.execute(query).fetchone()
    return row[0] if row else None


def _execute(connection: psycopg.Connection, statement: str) -> None:
    try:
        connection.execute(statement)
    except psycopg.Error as error:
        reason = error.diag.message_primary or str(error).strip()
        raise WarehouseError(
            f"warehouse init: {statement}: {reason}. Run it as a superuser (or the database "
            "owner with CREATEROLE)"
        ) from None


def init_warehouse(
    url: str, raw_schemas: Sequence[str], members: Members | None = None
) -> list[str]:
    """Create the roles, schemas and privileges; idempotent. Returns the statements run."""
    members = members or Members()
    try:
        connection = psycopg.connect(
            url, autocommit=True, connect_timeout=15, application_name="elt-warehouse-init"
        )
    except psycopg.OperationalError as error:
        raise WarehouseError(
            f"ELT_POSTGRES_URL: cannot connect to {redact_url(url)} "
            f"({connection_error_reason(error)}); check the URL, the server and the credentials"
        ) from None
    with connection:
        _check_members(connection, members)
        database = str(_scalar(connection, "SELECT current_database()::text"))
        try:
            created = _create_group_roles(connection)
        except psycopg.Error as error:
            raise WarehouseError(
                f"warehouse init: cannot create the roles {', '.join(GROUP_ROLES)} "
                f"({error.diag.message_primary or error}); run it as a superuser or a role "
                "with CREATEROLE"
            ) from None
        statements = [f"CREATE ROLE {quote_ident(role)} NOLOGIN" for role in created]
        with connection.transaction():
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
            planned = _database_statements(database)
            if _scalar(connection, "SELECT to_regnamespace('public') IS NOT NULL"):
                # PostgreSQL < 15 lets everyone create tables in public.
                planned.append("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
            for statement in planned:
                _execute(connection, statement)
            statements += planned
            for access in schema_access(raw_schemas):
                schema_statements = _schema_statements(access)
                # The schema must exist before its relations are looked up.
                for statement in schema_statements[:2]:
                    _execute(connection, statement)
                rest = [*_ownership_statements(connection, access), *schema_statements[2:]]
                for statement in rest:
                    _execute(connection, statement)
                statements += [*schema_statements[:2], *rest]
            for statement in _member_statements(database, members):
                _execute(connection, statement)
                statements.append(statement)
    return statements


def describe_roles(url: str) -> list[tuple[str, str, str]]:
    """(role, can log in, members) of each group role, as the server has them now."""
    with psycopg.connect(url, autocommit=True, connect_timeout=15) as connection:
        rows = connection.execute(
            "SELECT r.rolname::text, r.rolcanlogin, coalesce(string_agg(m.rolname::text, ', ' "
            "ORDER BY m.rolname), '') FROM pg_roles AS r "
            "LEFT JOIN pg_auth_members AS a ON a.roleid = r.oid "
            "LEFT JOIN pg_roles AS m ON m.oid = a.member "
            "WHERE r.rolname = ANY(%s) GROUP BY r.rolname, r.rolcanlogin ORDER BY r.rolname",
            (list(GROUP_ROLES),),
        ).fetchall()
    return [(name, "yes" if login else "no", members) for name, login, members in rows]


def access_rows(accesses: Sequence[SchemaAccess]) -> list[tuple[str, str, str]]:
    """(schema, written by, read by) rows, for the command's summary."""
    return [(access.schema, access.owner, ", ".join(access.readers) or "-") for access in accesses]
