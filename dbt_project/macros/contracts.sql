{#
    Contracts on Spark. The models' YAML names column types as DuckDB and PostgreSQL spell
    them (text, timestamp with time zone, double precision, integer[]), and dbt checks a
    contract by casting NULL to each. Spark spells some of them otherwise: this is dbt's
    get_empty_schema_sql with each type translated first.
#}
{% macro spark__get_empty_schema_sql(columns) -%}
    {%- set translated = {} -%}
    {%- for name, column in columns.items() -%}
        {%- set spark_column = column.copy() if column is mapping else column.to_dict() -%}
        {%- if spark_column.get('data_type') is not none -%}
            {%- do spark_column.update({'data_type': spark_type(spark_column['data_type'])}) -%}
        {%- endif -%}
        {%- do translated.update({name: spark_column}) -%}
    {%- endfor -%}
    {{ return(dbt.default__get_empty_schema_sql(translated)) }}
{%- endmacro %}

{% macro spark_type(data_type) -%}
    {%- set spark_names = {
        'text': 'string',
        'timestamp with time zone': 'timestamp',
        'double precision': 'double',
    } -%}
    {%- set name = data_type | trim | lower -%}
    {%- if name.endswith('[]') -%}
        {{ return('array<' ~ spark_type(name[:-2]) ~ '>') }}
    {%- endif -%}
    {{ return(spark_names.get(name, name)) }}
{%- endmacro %}
