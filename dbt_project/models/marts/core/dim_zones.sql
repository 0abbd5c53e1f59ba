-- Taxi zones of the lake's lookup file. Beside them: inferred members for zone ids that trips
-- name and the lookup lacks, and the unknown member -1.
with

zones as (

    select * from {{ ref('stg_lake__zones') }}

),

trips as (

    select * from {{ ref('stg_lake__trips') }}

),

known_zones as (

    select
        zone_id,
        borough,
        zone_name,
        service_zone,
        false as is_inferred_member
    from zones

),

referenced_zones as (

    select pickup_zone_id as zone_id from trips
    union all
    select dropoff_zone_id as zone_id from trips

),

final as (

    {{ dimension_with_members(
        'known_zones',
        'zone_id',
        'referenced_zones',
        ['borough', 'zone_name', 'service_zone', 'is_inferred_member']
    ) }}

)

select * from final
