with

source as (

    select * from {{ source('lake', 'trips') }}

),

final as (

    {{ staged_trips('source') }}

)

select * from final
