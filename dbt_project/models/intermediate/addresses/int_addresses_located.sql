-- One row per address with the city and country it is in: the one place the address -> city
-- -> country join is written (dim_stores and int_customers_located read it). No street or
-- phone: only the district, city and country. updated_at is the latest change of the
-- address or of its city or country rows.
with

addresses as (

    select * from {{ ref('stg_pagila__addresses') }}

),

cities as (

    select * from {{ ref('stg_pagila__cities') }}

),

countries as (

    select * from {{ ref('stg_pagila__countries') }}

),

final as (

    select
        addresses.address_id,
        addresses.district,
        cities.city_name,
        countries.country_name,
        -- greatest ignores NULLs on both engines
        greatest(
            addresses.updated_at,
            cities.updated_at,
            countries.updated_at
        ) as updated_at
    from addresses
    left join cities
        on addresses.city_id = cities.city_id
    left join countries
        on cities.country_id = countries.country_id

)

select * from final
