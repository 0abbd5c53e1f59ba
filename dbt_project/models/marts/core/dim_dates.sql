with

days as (

    {{ date_spine(var('date_spine_start'), var('date_spine_end')) }}

),

known_days as (

    select
        {{ date_key('date_day') }} as date_key,
        {{ month_name('date_day') }} as month_name,
        {{ day_name('date_day') }} as day_name,
        cast(extract(year from date_day) as integer) as year_number,
        cast(extract(quarter from date_day) as integer) as quarter_number,
        cast(extract(month from date_day) as integer) as month_number,
        cast(extract(week from date_day) as integer) as iso_week_number,
        cast(extract(day from date_day) as integer) as day_of_month,
        cast(extract(isodow from date_day) as integer) as iso_day_of_week,
        extract(isodow from date_day) in (6, 7) as is_weekend,
        date_day
    from days

),

unknown_day as (

    select
        -1 as date_key,
        'Unknown' as month_name,
        'Unknown' as day_name,
        cast(null as integer) as year_number,
        cast(null as integer) as quarter_number,
        cast(null as integer) as month_number,
        cast(null as integer) as iso_week_number,
        cast(null as integer) as day_of_month,
        cast(null as integer) as iso_day_of_week,
        cast(null as boolean) as is_weekend,
        cast(null as date) as date_day

),

final as (

    select * from known_days
    union all
    select * from unknown_day

)

select * from final
