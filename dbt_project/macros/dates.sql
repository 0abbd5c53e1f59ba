{#
    Date helpers that mean the same on every engine.

    utc_date: the UTC calendar date of a timestamptz, whatever the session's time zone.
    date_key: the yyyymmdd integer of a date (or NULL), the key of dim_dates.
    date_spine: one row per day from start_date to end_date (ISO strings, inclusive), column
    date_day; the number of days is computed at compile time, the rows by generate_series,
    which DuckDB and PostgreSQL both have with the same meaning (both ends included).
#}

{% macro utc_date(timestamp_tz) -%}
    cast(({{ timestamp_tz }} at time zone 'UTC') as date)
{%- endmacro %}

{% macro date_key(date_expression) -%}
    cast(
        extract(year from {{ date_expression }}) * 10000
        + extract(month from {{ date_expression }}) * 100
        + extract(day from {{ date_expression }})
        as integer
    )
{%- endmacro %}

{% macro date_spine(start_date, end_date) -%}
    {{ return(adapter.dispatch('date_spine')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__date_spine(start_date, end_date) -%}
    {%- set first_day = modules.datetime.date.fromisoformat(start_date | string) -%}
    {%- set last_day = modules.datetime.date.fromisoformat(end_date | string) -%}
    {%- if last_day < first_day -%}
        {{ exceptions.raise_compiler_error("date_spine: end_date " ~ last_day ~ " is before start_date " ~ first_day) }}
    {%- endif -%}
    select
        cast(
            {{ dbt.dateadd('day', 'day_offsets.day_offset', "cast('" ~ first_day ~ "' as date)") }}
            as date
        ) as date_day
    from generate_series(0, {{ (last_day - first_day).days }}) as day_offsets (day_offset)
{%- endmacro %}

{% macro month_name(date_expression) -%}
    {{ return(adapter.dispatch('month_name')(date_expression)) }}
{%- endmacro %}

{% macro default__month_name(date_expression) -%}
    trim(to_char({{ date_expression }}, 'Month'))
{%- endmacro %}

{% macro duckdb__month_name(date_expression) -%}
    monthname({{ date_expression }})
{%- endmacro %}

{% macro day_name(date_expression) -%}
    {{ return(adapter.dispatch('day_name')(date_expression)) }}
{%- endmacro %}

{% macro default__day_name(date_expression) -%}
    trim(to_char({{ date_expression }}, 'Day'))
{%- endmacro %}

{% macro duckdb__day_name(date_expression) -%}
    dayname({{ date_expression }})
{%- endmacro %}
