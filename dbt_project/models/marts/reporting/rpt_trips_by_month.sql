-- Taxi trips per month (of the pickup, in UTC) and pickup zone: how many, the revenue (sum of
-- total_amount), and the tip share (tips over fares of the trips with a fare above zero).
-- Trips with no pickup time are left out; a zone missing from the lookup is an inferred one.
with

trips as (

    select * from {{ ref('fct_trips') }}

),

zones as (

    select * from {{ ref('dim_zones') }}

),

dated_trips as (

    select
        trips.pickup_zone_id,
        cast(
            {{ dbt.date_trunc('month', utc_date('trips.picked_up_at')) }} as date
        ) as pickup_month_date,
        trips.fare_amount,
        trips.tip_amount,
        trips.total_amount
    from trips
    where trips.picked_up_at is not null

),

monthly as (

    select
        pickup_zone_id,
        pickup_month_date,
        count(*) as trip_count,
        sum(total_amount) as revenue,
        sum(case when fare_amount > 0 then tip_amount end) as tips_of_fared_trips,
        sum(case when fare_amount > 0 then fare_amount end) as fares
    from dated_trips
    group by
        pickup_zone_id,
        pickup_month_date

),

final as (

    select
        monthly.pickup_zone_id,
        zones.borough,
        zones.zone_name,
        cast(monthly.trip_count as {{ dbt.type_int() }}) as trip_count,
        cast(monthly.revenue as numeric(14, 2)) as revenue,
        cast(
            monthly.tips_of_fared_trips / nullif(monthly.fares, 0) as {{ type_double() }}
        ) as tip_share,
        monthly.pickup_month_date
    from monthly
    inner join zones
        on monthly.pickup_zone_id = zones.zone_id

)

select * from final
