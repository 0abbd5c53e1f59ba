{#
    The days the facts have: every day of the calendar years from the earliest to the latest
    date a fact holds, within var('date_spine_start') and var('date_spine_end') (a floor and a
    ceiling). A fact date outside them (or infinity, year 1, BC) is keyed to the unknown day -1,
    which assert_fact_dates_outside_the_date_spine counts as a warning.
#}

with

fact_days as (

    {% for fact, instant, _ in fact_dates() %}
        select {{ utc_date(instant) }} as fact_day from {{ ref(fact) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

bounds as (

    select
        {%- set first_instant = 'cast(min(fact_day) as ' ~ dbt.type_timestamp() ~ ')' %}
        {%- set last_instant = 'cast(max(fact_day) as ' ~ dbt.type_timestamp() ~ ')' %}
        cast({{ dbt.date_trunc('year', first_instant) }} as date) as first_day,
        cast({{ dbt.dateadd(
            'day', -1, dbt.dateadd('year', 1, dbt.date_trunc('year', last_instant))
        ) }} as date) as last_day
    from fact_days
    where {{ is_within_date_spine('fact_day') }}

),

spine as (

    {{ date_spine('bounds', 'first_day', 'last_day') }}

),

days as (

    select date_day
    from spine
    where {{ is_within_date_spine('date_day') }}

),

known_days as (

    select
        {{ date_key('date_day') }} as date_key,
        {{ month_name('date_day') }} as month_name,
        {{ day_name('date_day') }} as day_name,
        cast(extract(year from date_day) as {{ dbt.type_int() }}) as year_number,
        cast(extract(quarter from date_day) as {{ dbt.type_int() }}) as quarter_number,
        cast(extract(month from date_day) as {{ dbt.type_int() }}) as month_number,
        cast(extract(week from date_day) as {{ dbt.type_int() }}) as iso_week_number,
        cast(extract(day from date_day) as {{ dbt.type_int() }}) as day_of_month,
        cast({{ iso_day_of_week('date_day') }} as {{ dbt.type_int() }}) as iso_day_of_week,
        {{ iso_day_of_week('date_day') }} in (6, 7) as is_weekend,
        date_day
    from days

),

unknown_day as (

    select
        -1 as date_key,
        'Unknown' as month_name,
        'Unknown' as day_name,
        cast(null as {{ dbt.type_int() }}) as year_number,
        cast(null as {{ dbt.type_int() }}) as quarter_number,
        cast(null as {{ dbt.type_int() }}) as month_number,
        cast(null as {{ dbt.type_int() }}) as iso_week_number,
        cast(null as {{ dbt.type_int() }}) as day_of_month,
        cast(null as {{ dbt.type_int() }}) as iso_day_of_week,
        cast(null as {{ dbt.type_boolean() }}) as is_weekend,
        cast(null as date) as date_day

),

final as (

    select * from known_days
    union all
    select * from unknown_day

)

select * from final
