{% macro check_inputs() -%}
    {#- run-operation (make check-inputs): prints what the build will find in the inputs and every problem
        it would stop or quarantine on (analyses/check_inputs.sql), building nothing, and fails when the
        build would stop. It validates the vars itself: a run-operation skips the on-run-start hook. -#}
    {%- do raise_var_problems(var_problems()) -%}
    {%- set report = run_query(render(graph.nodes['analysis.bank_segmentation.check_inputs'].raw_code)) -%}
    {%- do print(report.columns['line_text'].values() | join('\n')) -%}
    {{ exceptions.raise_compiler_error('check_inputs: the build would stop (lines marked stop above).')
        if 'stop' in report.columns['line_kind'].values() }}
{%- endmacro %}
