-- agg_daily_metrics counts every human page view of fact_page_views once, on its UTC day.
with per_day as (
    select project_id, event_date as metric_date, count(*) as page_views
    from {{ ref('fact_page_views') }}
    {% if var('exclude_bots_from_metrics') %}where not is_bot{% endif %}
    group by all
)

select per_day.*, agg.page_views as aggregated
from per_day
full outer join {{ ref('agg_daily_metrics') }} as agg using (project_id, metric_date)
where coalesce(per_day.page_views, 0) <> coalesce(agg.page_views, 0)
