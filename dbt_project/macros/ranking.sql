{#
    A floating-point score as the value to rank on: rounded to 9 decimal places. Sums of
    floats (similarities) come out a few units in the last place apart when an engine adds
    them in another order, and DuckDB and PostgreSQL do; ranking on the rounded value lets
    scores that are equal in exact arithmetic tie, and the tie-break (the lower id) decide,
    on both engines alike.
#}
{% macro score_for_ranking(score) -%}
    cast({{ score }} as decimal(38, 9))
{%- endmacro %}
