{#
    The rows of a relation (or CTE) with one row per partition_by key: the first one in
    order_by order. `distinct on` means the same on DuckDB and PostgreSQL.
    partition_by and order_by are SQL column lists, e.g.
        deduplicate('ratings', 'user_id, course_id', 'updated_at desc')
#}
{% macro deduplicate(relation, partition_by, order_by) -%}
    select distinct on ({{ partition_by }}) *
    from {{ relation }}
    order by {{ partition_by }}, {{ order_by }}
{%- endmacro %}
