{#
    dbt-postgres reads column types from information_schema.columns, whose data_type of any
    array column is just 'ARRAY'. dbt then writes `cast(null as ARRAY)` into unit-test fixtures
    of models with array columns (stg_pagila__films.special_features, dim_films), which
    PostgreSQL rejects. This is dbt-postgres' own macro with one change: an array column's type
    is its element type's name followed by [] (udt_name '_int4' -> 'int4[]').
#}
{% macro postgres__get_columns_in_relation(relation) -%}
    {% call statement('get_columns_in_relation', fetch_result=True) %}
        select
            column_name,
            case
                when data_type = 'ARRAY' then substring(udt_name from 2) || '[]'
                else data_type
            end as data_type,
            character_maximum_length,
            numeric_precision,
            numeric_scale
        from {{ relation.information_schema('columns') }}
        where
            table_name = '{{ relation.identifier }}'
            {% if relation.schema %}
                and table_schema = '{{ relation.schema }}'
            {% endif %}
        order by ordinal_position
    {% endcall %}
    {% set table = load_result('get_columns_in_relation').table %}
    {{ return(sql_convert_columns_in_relation(table)) }}
{%- endmacro %}
