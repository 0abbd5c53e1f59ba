with

source as (

    select * from {{ source('lake', 'trips_csv') }}

),

final as (

    {{ staged_trips('source') }}

)

select * from final
