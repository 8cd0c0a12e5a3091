{#-
  Where the lake's buckets are: s3:// URLs by default (vars in dbt_project.yml), overridable with
  DBT_LAKE_SOURCE_ROOT / DBT_LAKE_PROCESSED_ROOT (a folder on disk works for the source). The S3 endpoint and
  keys are the profile's (profiles.yml), so the same paths serve the local stack and R2.
-#}

{% macro lake_source_root() -%}
  {{- return(modules.re.sub('/+$', '', env_var('DBT_LAKE_SOURCE_ROOT', var('lake_source_root')))) -}}
{%- endmacro %}

{#- Output goes to S3 (DuckDB's COPY does not create folders on disk). -#}
{% macro lake_processed_root() -%}
  {{- return(modules.re.sub('/+$', '', env_var('DBT_LAKE_PROCESSED_ROOT', var('lake_processed_root')))) -}}
{%- endmacro %}

{#- The folder of a raw table's files: `<source root>/events/<table>`. -#}
{% macro lake_raw_folder(table) -%}
  {{- return(lake_source_root() ~ '/events/' ~ table) -}}
{%- endmacro %}
