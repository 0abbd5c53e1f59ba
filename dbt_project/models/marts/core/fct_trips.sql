{{
    config(
        materialized='incremental',
        unique_key='_file',
        incremental_strategy=incremental_strategy(),
        on_schema_change='fail',
    )
}}

-- Grain: one row per taxi trip, a line of a monthly trips file. trip_id is md5 of the file
-- and line (the files give a trip no id); zones point at dim_zones (inferred members cover
-- ids the lookup lacks, -1 a missing id), the pickup's UTC day at dim_dates.
-- Incremental by file: the loader replaces a file's rows whole, so the files of the batches
-- loaded since the last build replace all their earlier trips (delete+insert on _file), a
-- file dropped again with fewer lines leaving none of its old ones behind.
with

trips as (

    select * from {{ ref('stg_lake__trips') }}
    {% if reads_new_rows_only() %}
        where {{ loaded_since_last_build() }}
    {% endif %}

),

final as (

    select
        trips.trip_id,
        coalesce(trips.pickup_zone_id, -1) as pickup_zone_id,
        coalesce(trips.dropoff_zone_id, -1) as dropoff_zone_id,
        {{ spine_date_key(utc_date('trips.picked_up_at')) }} as pickup_date_key,
        trips.vendor_id,
        trips.payment_type,
        trips.passenger_count,
        trips.trip_distance_miles,
        trips.fare_amount,
        trips.tip_amount,
        trips.total_amount,
        trips.picked_up_at,
        trips.dropped_off_at,
        trips._file,
        trips._line,
        trips._loaded_at,
        trips._batch_id
    from trips

)

select * from final
