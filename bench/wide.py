"""The wide table: a bigint key and 20 columns of the PostgreSQL types the loaders map
specially (json, jsonb, uuid, interval, inet, cidr, macaddr, money, bit(8), varbit, time,
timetz, tstzrange, int4range, a composite type, hstore, text[], integer[], timestamp,
varchar(n), unconstrained numeric), each with NULLs and awkward values (quotes and commas,
negative intervals and money, empty ranges and arrays, IPv6, varying numeric scales)."""

from __future__ import annotations

from datasets import Column, Dataset

PART_TYPE = "public.elt_bench_part"
_MINUTES = "timestamptz '2020-01-01 00:00:00+00' + i * interval '1 minute'"

WIDE = Dataset(
    name="wide",
    marker="elt-bench wide v1",
    columns=(
        Column("item_id", "bigint not null", "i + 1"),
        Column(
            "doc",
            "json",
            "case when i % 11 = 0 then null else json_build_object('n', i, 'name', "
            "'item ' || (i % 1000), 'tags', json_build_array('a', i % 7)) end",
        ),
        Column(
            "attrs",
            "jsonb",
            "case when i % 13 = 1 then null else jsonb_build_object('k', i % 97, 'ok', "
            "i % 2 = 0, 'w', (i % 1000) / 8.0, 's', 'x\"y,' || (i % 10)) end",
        ),
        Column("token", "uuid", "case when i % 17 = 2 then null else md5(i::text)::uuid end"),
        Column(
            "duration",
            "interval",
            "case when i % 19 = 3 then null else ((i % 40) - 20) * interval '1 day' "
            "+ (i % 86400) * interval '1 second' + (i % 13) * interval '1 month' end",
        ),
        Column(
            "address",
            "inet",
            "case i % 23 when 4 then null "
            "when 5 then ('2001:db8::' || to_hex(i % 65536) || '/64')::inet "
            "else ('10.' || (i / 65536) % 256 || '.' || (i / 256) % 256 || '.' || i % 256 "
            "|| '/' || (8 + i % 25))::inet end",
        ),
        Column(
            "network",
            "cidr",
            "case when i % 29 = 6 then null "
            "else ('10.' || (i / 65536) % 256 || '.' || (i / 256) % 256 || '.0/24')::cidr end",
        ),
        Column(
            "mac",
            "macaddr",
            "case when i % 31 = 7 then null "
            "else lpad(to_hex(i * 2654435761 % 281474976710656), 12, '0')::macaddr end",
        ),
        Column(
            "price",
            "money",
            "case when i % 37 = 8 then null "
            "else (((i * 7919) % 2000000 - 1000000) / 100.0)::numeric::money end",
        ),
        Column("flags", "bit(8)", "case when i % 41 = 9 then null else (i % 256)::int::bit(8) end"),
        Column(
            "mask",
            "varbit",
            "case when i % 43 = 10 then null "
            "else substr(((i * 40503) % 65536)::int::bit(16)::text, 1, 1 + (i % 16)::int)::varbit "
            "end",
        ),
        Column(
            "opens",
            "time",
            "case when i % 47 = 11 then null else time '00:00' "
            "+ (i % 86400) * interval '1 second' + (i % 7) * interval '1 millisecond' end",
        ),
        Column(
            "opens_tz",
            "timetz",
            "case when i % 53 = 12 then null "
            "else ((time '00:00' + (i * 7 % 86400) * interval '1 second')::text "
            "|| case i % 3 when 0 then '+02' when 1 then '-05:30' else '+00' end)::timetz end",
        ),
        Column(
            "valid_during",
            "tstzrange",
            f"case i % 59 when 13 then null when 14 then 'empty'::tstzrange "
            f"when 15 then tstzrange({_MINUTES}, null) "
            f"else tstzrange({_MINUTES}, {_MINUTES} + (1 + i % 90) * interval '1 day') end",
        ),
        Column(
            "ages",
            "int4range",
            "case when i % 61 = 16 then null else int4range((i % 50)::int, "
            "(i % 50 + 1 + i % 30)::int, case when i % 2 = 0 then '[)' else '[]' end) end",
        ),
        Column(
            "part",
            PART_TYPE,
            "case when i % 67 = 17 then null else row('part \"' || (i % 1000) || '\", b', "
            "case when i % 5 = 0 then null else (i % 7)::int end, "
            f"((i % 10000) / 100.0)::numeric(6,2))::{PART_TYPE} end",
        ),
        Column(
            "tags",
            "hstore",
            "case when i % 71 = 18 then null else hstore(array['color', 'size', 'note'], "
            "array['c' || (i % 9), (i % 40)::text, "
            "case when i % 2 = 0 then null else 'a=>\"b\"' end]) end",
            extension="hstore",
        ),
        Column(
            "labels",
            "text[]",
            "case i % 73 when 19 then null when 20 then '{}'::text[] "
            "else array['l' || (i % 10), 'two words', "
            "case when i % 3 = 0 then null else 'q\"uote,' || (i % 100) end] end",
        ),
        Column(
            "counts",
            "integer[]",
            "case when i % 79 = 21 then null else array[(i % 10)::int, (i % 1000)::int, "
            "case when i % 4 = 0 then null else (i % 7)::int end] end",
        ),
        Column(
            "created_at",
            "timestamp",
            "case when i % 83 = 22 then null else timestamp '2020-01-01 00:00:00' "
            "+ ((i * 7919) % 100000000) * interval '1 second' "
            "+ case when i % 2 = 0 then (i % 1000000) * interval '1 microsecond' "
            "else interval '0' end end",
        ),
        Column(
            "code",
            "varchar(16)",
            "case i % 89 when 23 then null when 24 then '' "
            "else 'C-' || lpad((i % 100000)::text, 6, '0') end",
        ),
        Column(
            "amount",
            "numeric",
            "case i % 97 when 25 then null when 26 then 123456789012345678901234567890.123 + i "
            "else round((i * 12345.6789) / 7, (i % 8)::int) end",
        ),
    ),
    key=("item_id",),
    setup=(
        f"""do $$ begin
    if to_regtype('{PART_TYPE}') is null then
        create type {PART_TYPE} as (label text, quantity integer, weight numeric(6,2));
    end if;
end $$""",
    ),
)
