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
    cast({{ utc_wall_clock(timestamp_tz) }} as date)
{%- endmacro %}

{#
    utc_wall_clock: a timestamptz as the timestamp without time zone it reads in UTC, whatever
    the session's time zone. Spark has no `at time zone`: convert_timezone takes a timestamp
    without time zone, which the cast reads in the session's zone, and shows it in UTC.
#}
{% macro utc_wall_clock(timestamp_tz) -%}
    {{ return(adapter.dispatch('utc_wall_clock')(timestamp_tz)) }}
{%- endmacro %}

{% macro default__utc_wall_clock(timestamp_tz) -%}
    ({{ timestamp_tz }} at time zone 'UTC')
{%- endmacro %}

{% macro spark__utc_wall_clock(timestamp_tz) -%}
    convert_timezone(current_timezone(), 'UTC', cast({{ timestamp_tz }} as timestamp_ntz))
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
    {{ return(adapter.dispatch('date_spine')(bounds, first_day, last_day)) }}
{%- endmacro %}

{% macro default__date_spine(bounds, first_day, last_day) -%}
    select
        cast({{ dbt.dateadd('day', 'day_offsets.day_offset', bounds ~ '.' ~ first_day) }} as date)
        as date_day
    from {{ bounds }}
    cross join generate_series(
        0, {{ dbt.datediff(bounds ~ '.' ~ first_day, bounds ~ '.' ~ last_day, 'day') }}
    ) as day_offsets (day_offset)
{%- endmacro %}

{# Spark has no generate_series: sequence gives the offsets as an array, explode its rows. #}
{% macro spark__date_spine(bounds, first_day, last_day) -%}
    select
        cast({{ dbt.dateadd('day', 'day_offsets.day_offset', bounds ~ '.' ~ first_day) }} as date)
        as date_day
    from {{ bounds }}
    lateral view explode(sequence(
        0, {{ dbt.datediff(bounds ~ '.' ~ first_day, bounds ~ '.' ~ last_day, 'day') }}
    )) day_offsets as day_offset
{%- endmacro %}

{# iso_day_of_week: 1 (Monday) to 7 (Sunday). #}
{% macro iso_day_of_week(date_expression) -%}
    {{ return(adapter.dispatch('iso_day_of_week')(date_expression)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(date_expression) -%}
    extract(isodow from {{ date_expression }})
{%- endmacro %}

{% macro spark__iso_day_of_week(date_expression) -%}
    extract(dayofweek_iso from {{ date_expression }})
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

{% macro spark__month_name(date_expression) -%}
    date_format({{ date_expression }}, 'MMMM')
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

{% macro spark__day_name(date_expression) -%}
    date_format({{ date_expression }}, 'EEEE')
{%- endmacro %}

{#
    epoch_instant: seconds since 1970-01-01 UTC (an API's Unix time) as an instant.
    to_timestamp(double) means exactly this on DuckDB and PostgreSQL alike; timestamp_seconds
    on Spark.
#}
{% macro epoch_instant(seconds) -%}
    {{ return(adapter.dispatch('epoch_instant')(seconds)) }}
{%- endmacro %}

{% macro default__epoch_instant(seconds) -%}
    cast(to_timestamp(cast({{ seconds }} as {{ type_double() }})) as {{ type_timestamptz() }})
{%- endmacro %}

{% macro spark__epoch_instant(seconds) -%}
    timestamp_seconds(cast({{ seconds }} as {{ type_double() }}))
{%- endmacro %}

{#
    is_finite_instant: whether a timestamptz is finite, NULL for NULL (PostgreSQL and DuckDB
    have infinity; Spark has no infinite timestamps).
#}
{% macro is_finite_instant(instant) -%}
    {{ return(adapter.dispatch('is_finite_instant')(instant)) }}
{%- endmacro %}

{% macro default__is_finite_instant(instant) -%}
    isfinite({{ instant }})
{%- endmacro %}

{% macro spark__is_finite_instant(instant) -%}
    case when {{ instant }} is not null then true end
{%- endmacro %}
