-- Fact rows whose date dim_dates cannot hold: a non-NULL instant keyed to the unknown day -1
-- (infinity, year 1, BC, or outside var('date_spine_start')..var('date_spine_end')). The rows
-- are kept; this warns with how many there are, per fact and column.
{{ config(severity='warn', fail_calc='coalesce(sum(undated_rows), 0)') }}

with

undated as (

    {% for fact, instant, date_key in fact_dates() %}
        select
            '{{ fact }}' as fact,
            '{{ instant }}' as date_column,
            count(*) as undated_rows
        from {{ ref(fact) }}
        where {{ instant }} is not null and {{ date_key }} = -1
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select * from undated
    where undated_rows > 0

)

select * from final
