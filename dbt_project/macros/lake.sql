{#
    Helpers of the files sources (the lake).

    utc_instant: a timestamp without time zone that means UTC, as an instant (timestamp with
    time zone), whatever the session's time zone: a plain cast would read it in the session's.
    file_line_key: a stable text key of a row of a landed file, from its path under the landing
    (_file) and its line (_line): md5 of "<file>:<line>", the same on every engine.
    staged_trips: the columns of a yellow-taxi trips table of raw (Parquet or CSV, the same
    names and types), renamed and cast; the staging models of both formats select it.
#}

{% macro utc_instant(naive_timestamp) -%}
    {{ return(adapter.dispatch('utc_instant')(naive_timestamp)) }}
{%- endmacro %}

{% macro default__utc_instant(naive_timestamp) -%}
    cast(({{ naive_timestamp }} at time zone 'UTC') as {{ type_timestamptz() }})
{%- endmacro %}

{# Spark: shown in the session's time zone, the UTC wall clock is that zone's instant. #}
{% macro spark__utc_instant(naive_timestamp) -%}
    cast(convert_timezone('UTC', current_timezone(), {{ naive_timestamp }}) as {{ type_timestamptz() }})
{%- endmacro %}

{% macro file_line_key(file_column, line_column) -%}
    md5({{ file_column }} || ':' || cast({{ line_column }} as {{ dbt.type_string() }}))
{%- endmacro %}

{% macro staged_trips(relation) -%}
    select
        {{ file_line_key('_file', '_line') }} as trip_id,
        cast({{ adapter.quote('PULocationID') }} as {{ dbt.type_int() }}) as pickup_zone_id,
        cast({{ adapter.quote('DOLocationID') }} as {{ dbt.type_int() }}) as dropoff_zone_id,
        cast({{ adapter.quote('VendorID') }} as {{ dbt.type_int() }}) as vendor_id,
        cast(payment_type as {{ dbt.type_int() }}) as payment_type,
        cast(passenger_count as {{ dbt.type_int() }}) as passenger_count,
        cast(trip_distance as {{ type_double() }}) as trip_distance_miles,
        cast(fare_amount as numeric(10, 2)) as fare_amount,
        cast(tip_amount as numeric(10, 2)) as tip_amount,
        cast(total_amount as numeric(10, 2)) as total_amount,
        {{ utc_instant('tpep_pickup_datetime') }} as picked_up_at,
        {{ utc_instant('tpep_dropoff_datetime') }} as dropped_off_at,
        cast(_file as {{ dbt.type_string() }}) as _file,
        cast(_line as {{ dbt.type_int() }}) as _line,
        cast(_loaded_at as {{ type_timestamptz() }}) as _loaded_at,
        cast(_batch_id as {{ dbt.type_string() }}) as _batch_id
    from {{ relation }}
{%- endmacro %}
