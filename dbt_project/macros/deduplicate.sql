{#
    The rows of a relation (or CTE) with one row per partition_by key: the first one in
    order_by order. `distinct on` means the same on DuckDB and PostgreSQL.
    partition_by and order_by are SQL column lists, e.g.
        deduplicate('ratings', 'user_id, course_id', 'updated_at desc')
#}
{% macro deduplicate(relation, partition_by, order_by) -%}
    {{ return(adapter.dispatch('deduplicate')(relation, partition_by, order_by)) }}
{%- endmacro %}

{% macro default__deduplicate(relation, partition_by, order_by) -%}
    select distinct on ({{ partition_by }}) *
    from {{ relation }}
    order by {{ partition_by }}, {{ order_by }}
{%- endmacro %}

{# Spark has no `distinct on`: the first row of each key by row_number. #}
{% macro spark__deduplicate(relation, partition_by, order_by) -%}
    select * except (deduplicate_row_number)
    from (
        select
            *,
            row_number() over (
                partition by {{ partition_by }} order by {{ order_by }}
            ) as deduplicate_row_number
        from {{ relation }}
    ) as numbered
    where deduplicate_row_number = 1
{%- endmacro %}
