{#
    The predicate of an incremental fact's import CTE: the raw rows published since the fact's
    latest _loaded_at, inclusive (the last batch is read again; delete+insert on the key makes
    that harmless), less var('incremental_lookback_hours'). Use inside {% if is_incremental() %}.
#}
{% macro loaded_since_last_build(loaded_at_column='_loaded_at') -%}
    {{ loaded_at_column }} >= (
        select
            {{ dbt.dateadd(
                'hour',
                -1 * (var('incremental_lookback_hours') | int),
                'max(' ~ loaded_at_column ~ ')'
            ) }}
        from {{ this }}
    )
{%- endmacro %}
