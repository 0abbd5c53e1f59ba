{#
    History (SCD type 2): a snapshot's versions as a dimension's validity ranges, and a fact's
    lookup of the version valid when its event happened.

    A version is valid over [valid_from, valid_to). The first version of each key reaches back
    to var('history_start') (facts older than the first snapshot still find it), each later
    one from the change that made it (the snapshot's dbt_valid_from); the current one runs to
    var('history_end'). Its surrogate key is an md5 of the natural key and valid_from (in UTC,
    so the same whatever the session's time zone): it never changes once made, and an
    inferred member's key is the key its first real version will have.
#}

{% macro history_start() -%}
    cast('{{ var("history_start") }} 00:00:00+00' as {{ type_timestamptz() }})
{%- endmacro %}

{% macro history_end() -%}
    cast('{{ var("history_end") }} 00:00:00+00' as {{ type_timestamptz() }})
{%- endmacro %}

{# The surrogate key of the version of `natural_key` that starts at `valid_from`. #}
{% macro version_key(natural_key, valid_from) -%}
    md5(
        cast({{ natural_key }} as {{ dbt.type_string() }})
        || '|'
        || cast({{ utc_wall_clock(valid_from) }} as {{ dbt.type_string() }})
    )
{%- endmacro %}

{#
    The rows of `snapshot` with their validity: every column of the snapshot, plus
    `<entity>_sk`, valid_from, valid_to and is_current. Versions are ordered by the snapshot's
    dbt_valid_from; each ends where the next begins, so a key's ranges never overlap or leave
    a gap.
#}
{% macro versions_of(snapshot, natural_key, surrogate_key) -%}
    {%- set versions_window -%}
        partition by {{ natural_key }} order by dbt_valid_from
    {%- endset -%}
    select
        ranged.*,
        {{ version_key('ranged.' ~ natural_key, 'ranged.valid_from') }} as {{ surrogate_key }}
    from (
        select
            snapshotted.*,
            case
                when row_number() over ({{ versions_window }}) = 1 then {{ history_start() }}
                else dbt_valid_from
            end as valid_from,
            coalesce(
                lead(dbt_valid_from) over ({{ versions_window }}),
                {{ history_end() }}
            ) as valid_to,
            lead(dbt_valid_from) over ({{ versions_window }}) is null as is_current
        from {{ snapshot }} as snapshotted
    ) as ranged
{%- endmacro %}

{#
    The join condition of a fact on the dimension version valid at `event_at`, e.g.
        left join dim_customers on {{ version_at('payments.customer_id', 'payments.paid_at',
            'dim_customers', 'customer_id') }}
    A key's first version also holds events before var('history_start'), and its current one
    events after var('history_end') (a rental dated year 1 or infinity, which the loaders
    keep): a fact with a known key always finds a version of it.
#}
{% macro version_at(fact_key, event_at, dimension, natural_key) -%}
    {{ fact_key }} = {{ dimension }}.{{ natural_key }}
    and (
        {{ event_at }} >= {{ dimension }}.valid_from
        or {{ dimension }}.valid_from = {{ history_start() }}
    )
    and ({{ event_at }} < {{ dimension }}.valid_to or {{ dimension }}.is_current)
{%- endmacro %}

{#
    For an incremental fact: the keys of its rows whose stored version is no longer the one
    valid at their event time (a change that reached the warehouse after the event was
    built), so that they are looked up again and an incremental build equals a full refresh.
#}
{% macro rows_with_stale_version(fact_key, natural_key, event_at, surrogate_key, dimension) -%}
    select built.{{ fact_key }}
    from {{ this }} as built
    inner join {{ dimension }} as versions
        on {{ version_at(
            'built.' ~ natural_key, 'built.' ~ event_at, 'versions', natural_key
        ) }}
    where built.{{ surrogate_key }} <> versions.{{ surrogate_key }}
{%- endmacro %}

{#
    The snapshot's clock as timestamp with time zone, the type of every updated_at the
    snapshots date versions by (dbt-duckdb and dbt-postgres use a timestamp without one, and
    warn at every snapshot that the two differ). dbt uses it only for versions that no
    updated_at dates (hard deletes, were they invalidated).
#}
{% macro duckdb__snapshot_get_time() -%}
    {{ current_timestamp() }}
{%- endmacro %}

{% macro postgres__snapshot_get_time() -%}
    {{ current_timestamp() }}
{%- endmacro %}
