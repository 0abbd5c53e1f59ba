{#
    Models land in the schema their folder names (staging, intermediate, marts), exactly, on
    every target: dbt's default would prefix the target schema (main_staging, public_staging).
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
