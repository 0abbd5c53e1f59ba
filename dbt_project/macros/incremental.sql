{#
    The predicate of an incremental fact's import CTE: the raw rows of batches published after
    the latest batch the fact already holds (raw's _loaded_at, the batch's start, is the
    cursor; the loader publishes a table's batches one after another), widened by
    var('incremental_lookback_hours') when that is set: rows read twice are harmless, as
    delete+insert on the key replaces them. Use inside {% if is_incremental() %}.
#}
{% macro loaded_since_last_build(loaded_at_column='_loaded_at') -%}
    {%- set lookback_hours = var('incremental_lookback_hours') | int -%}
    {{ loaded_at_column }} {{ '>' if lookback_hours == 0 else '>=' }} (
        select
            {{ dbt.dateadd('hour', -1 * lookback_hours, 'max(' ~ loaded_at_column ~ ')') }}
        from {{ this }}
    )
{%- endmacro %}

{#
    The post-hook of an incremental fact: delete its rows whose key the model it is built from
    no longer has. A row deleted in the source leaves staging (the loader marks it
    _deleted_at), but delete+insert only replaces the keys it reads again, so without this the
    fact would keep it. On a full build it deletes nothing.
#}
{% macro delete_rows_gone_from(upstream, key_columns) -%}
    {{ return(adapter.dispatch('delete_rows_gone_from')(upstream, key_columns)) }}
{%- endmacro %}

{# Spark overwrites the whole fact from its upstream (incremental_strategy): nothing to delete. #}
{% macro spark__delete_rows_gone_from(upstream, key_columns) -%}
{%- endmacro %}

{% macro default__delete_rows_gone_from(upstream, key_columns) -%}
    delete from {{ this }} as fact
    where not exists (
        select 1
        from {{ upstream }} as kept
        where
            {% for column in key_columns -%}
                kept.{{ column }} = fact.{{ column }}{{ ' and' if not loop.last }}
            {% endfor %}
    )
{%- endmacro %}

{#
    How an incremental fact writes, per engine. DuckDB and PostgreSQL: delete+insert on the
    unique key, reading only the raw rows of new batches (loaded_since_last_build). Spark with
    plain Parquet tables can neither delete nor merge rows: there the fact is written with
    insert_overwrite and, with no partition_by, the overwrite replaces the whole table, so it
    reads every row each run (its rows are exactly a full build's, as on the other engines).
    Use incremental_strategy() in the config and `if reads_new_rows_only()` where the model
    would test is_incremental().
#}
{% macro incremental_strategy() -%}
    {{ return(adapter.dispatch('incremental_strategy')()) }}
{%- endmacro %}

{% macro default__incremental_strategy() -%}
    {{ return('delete+insert') }}
{%- endmacro %}

{% macro spark__incremental_strategy() -%}
    {{ return('insert_overwrite') }}
{%- endmacro %}

{% macro reads_new_rows_only() -%}
    {{ return(adapter.dispatch('reads_new_rows_only')()) }}
{%- endmacro %}

{% macro default__reads_new_rows_only() -%}
    {{ return(is_incremental()) }}
{%- endmacro %}

{% macro spark__reads_new_rows_only() -%}
    {{ return(false) }}
{%- endmacro %}
