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
