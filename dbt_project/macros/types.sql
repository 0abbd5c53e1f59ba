{#
    The types that dbt's own type macros (dbt.type_int, dbt.type_string, ...) do not name,
    spelled per engine like theirs, so that no model writes an engine's type name.
#}

{# An instant: a timestamp with a time zone (UTC in this project). #}
{% macro type_timestamptz() -%}
    {{ return(adapter.dispatch('type_timestamptz')()) }}
{%- endmacro %}

{% macro default__type_timestamptz() -%}
    timestamp with time zone
{%- endmacro %}

{# Spark's timestamp is an instant (shown in the session's time zone, UTC in the profile). #}
{% macro spark__type_timestamptz() -%}
    timestamp
{%- endmacro %}

{#
    An 8-byte float. Not dbt.type_float(): that says `float`, which DuckDB reads as a
    4-byte REAL and so would round every similarity and average.
#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{% macro spark__type_double() -%}
    double
{%- endmacro %}

{# An array of element_type (a type name, e.g. dbt.type_string()). #}
{% macro type_array(element_type) -%}
    {{ return(adapter.dispatch('type_array')(element_type)) }}
{%- endmacro %}

{% macro default__type_array(element_type) -%}
    {{ element_type }}[]
{%- endmacro %}

{% macro spark__type_array(element_type) -%}
    array<{{ element_type }}>
{%- endmacro %}
