{#
    Date helpers that mean the same on every engine.

    utc_date: the UTC calendar date of a timestamptz, whatever the session's time zone.
    date_key: the yyyymmdd integer of a date (or NULL), the key of dim_dates.
    spine_date_key: date_key of a date dim_dates can hold, -1 (the unknown day) for any other:
    NULL, infinity, year 1 or BC, or outside var('date_spine_start')..var('date_spine_end').
    is_within_date_spine: whether a date lies within those vars (the floor and the ceiling).
    date_spine: one row per day from column first_day to column last_day (dates, both included)
    of the one-row relation bounds, none when either is NULL; column date_day, by
    generate_series, which DuckDB and PostgreSQL both have with the same meaning.
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

{#
    fact_dates: every date the facts hold, as (fact, instant column, date key column): what
    dim_dates spans, and what assert_fact_dates_outside_the_date_spine counts.
#}
{% macro fact_dates() -%}
    {{ return([
        ('fct_rentals', 'rented_at', 'rental_date_key'),
        ('fct_rentals', 'returned_at', 'return_date_key'),
        ('fct_payments', 'paid_at', 'payment_date_key'),
        ('fct_ratings', 'rated_at', 'rated_date_key'),
        ('fct_ratings', 'updated_at', 'updated_date_key'),
        ('fct_trips', 'picked_up_at', 'pickup_date_key'),
        ('fct_stories', 'posted_at', 'posted_date_key'),
    ]) }}
{%- endmacro %}

{% macro is_within_date_spine(date_expression) -%}
    ({{ date_expression }} >= cast('{{ var("date_spine_start") }}' as date)
        and {{ date_expression }} <= cast('{{ var("date_spine_end") }}' as date))
{%- endmacro %}

{% macro spine_date_key(date_expression) -%}
    case
        when {{ is_within_date_spine(date_expression) }} then {{ date_key(date_expression) }}
        else -1
    end
{%- endmacro %}

{% macro date_spine(bounds, first_day, last_day) -%}
    select
        cast({{ dbt.dateadd('day', 'day_offsets.day_offset', bounds ~ '.' ~ first_day) }} as date)
        as date_day
    from {{ bounds }}
    cross join generate_series(
        0, {{ dbt.datediff(bounds ~ '.' ~ first_day, bounds ~ '.' ~ last_day, 'day') }}
    ) as day_offsets (day_offset)
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

{#
    epoch_instant: seconds since 1970-01-01 UTC (an API's Unix time) as an instant.
    to_timestamp(double) means exactly this on DuckDB and PostgreSQL alike.
#}
{% macro epoch_instant(seconds) -%}
    cast(to_timestamp(cast({{ seconds }} as {{ type_double() }})) as {{ type_timestamptz() }})
{%- endmacro %}
