{#-
  Row-count reconciliation with the raw lake: the model has one row per distinct event_id of the
  raw table, i.e. the raw rows minus the duplicates. Fails with the three counts when it does not.
-#}
{% test matches_distinct_raw_events(model, raw_table) %}

with model_rows as (
    select count(*) as rows from {{ model }}
),

raw_rows as (
    select count(*) as rows, count(distinct event_id) as distinct_events
    from {{ lake_source(raw_table) }}
)

select
    model_rows.rows as model_rows,
    raw_rows.rows as raw_rows,
    raw_rows.rows - raw_rows.distinct_events as duplicates,
    raw_rows.distinct_events as expected_rows
from model_rows, raw_rows
where model_rows.rows <> raw_rows.distinct_events

{% endtest %}
