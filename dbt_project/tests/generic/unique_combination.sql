{#
    The combination of the given columns is unique in the model (a composite primary key).
        data_tests:
          - unique_combination:
              arguments:
                columns: [user_id, course_id]
    Fails with one row per duplicated combination.
#}
{% test unique_combination(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as row_count
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
