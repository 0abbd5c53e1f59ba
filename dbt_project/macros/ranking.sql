{#
    A similarity (a float) in fixed point: a bigint of billionths. Floats summed in another
    order (DuckDB's parallel aggregation, from run to run, and PostgreSQL's) come out a few
    units in the last place apart; integers add up exactly in any order. Sums of this are
    the same on every run and both engines, scores equal in exact arithmetic tie, and the
    tie-break (the lower id) decides. Each value is rounded once, from the same IEEE double
    on both engines.
#}
{% macro fixed_point_similarity(similarity) -%}
    {{ return(adapter.dispatch('fixed_point_similarity')(similarity)) }}
{%- endmacro %}

{% macro default__fixed_point_similarity(similarity) -%}
    cast({{ similarity }} * 1000000000 as {{ dbt.type_bigint() }})
{%- endmacro %}

{#
    Spark's cast of a double to an integer truncates; DuckDB's and PostgreSQL's round to the
    nearest (half to even), which bround does.
#}
{% macro spark__fixed_point_similarity(similarity) -%}
    cast(bround({{ similarity }} * 1000000000) as {{ dbt.type_bigint() }})
{%- endmacro %}
