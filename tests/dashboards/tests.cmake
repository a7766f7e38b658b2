# Grafana dashboards (k8s/components/monitoring/dashboards/*.json, docs/kubernetes.md
# "Dashboards"), included from tests/CMakeLists.txt. Debian's prometheus package ships promtool and
# prometheus, prometheus-pushgateway the Pushgateway (scripts/install-deps.sh installs both); a
# missing one is passed on as NOTFOUND and fails the test, never skips it.
find_program(LLMPACE_PROMTOOL promtool)
find_program(LLMPACE_PROMETHEUS prometheus)
find_program(LLMPACE_PUSHGATEWAY prometheus-pushgateway)
set(LLMPACE_DASHBOARDS_TESTS_DIR "${CMAKE_CURRENT_SOURCE_DIR}/dashboards")
set(LLMPACE_DASHBOARDS_DIR "${PROJECT_SOURCE_DIR}/k8s/components/monitoring/dashboards")
set(LLMPACE_DASHBOARDS
  "${LLMPACE_DASHBOARDS_DIR}/gpus.json"
  "${LLMPACE_DASHBOARDS_DIR}/vllm.json"
  "${LLMPACE_DASHBOARDS_DIR}/bf16-vs-int4.json")

# Structure (datasource variable, ids, gridPos, refIds, ranges) and every target's PromQL parsed
# by promtool as a recording rule.
add_test(NAME "dashboards: every panel is well formed and its PromQL parses"
  COMMAND "${PYTHON3}" "${LLMPACE_DASHBOARDS_TESTS_DIR}/check_static.py"
    "${LLMPACE_PROMTOOL}" ${LLMPACE_DASHBOARDS})
# The same check on a dashboard with one of each mistake: it must report exactly these.
add_test(NAME "dashboards: the static check finds every mistake of a broken dashboard"
  COMMAND "${PYTHON3}" "${LLMPACE_DASHBOARDS_TESTS_DIR}/check_static.py"
    "${LLMPACE_PROMTOOL}" "${LLMPACE_DASHBOARDS_TESTS_DIR}/broken_dashboard.json"
    --expect-error "panel 1 'A PromQL syntax error' target A: promtool:"
    --expect-error "panel 2 'A fixed datasource': datasource is not"
    --expect-error "panel 'A duplicate id' has no id or a duplicate one (2)"
    --expect-error "panel 4 'A target without a refId': a target without a refId"
    --expect-error "panel 5 'No gridPos': no gridPos"
    --expect-error "panel 6 'A fixed rate window': target A range [5m]"
    --expect-error "panel 7 'A job matcher on pushed series': target A matches on job"
    --expect-error "panel 8 uses undefined variable \$model"
    --expect-error "panel 9 'Over panel 8': overlaps another panel"
    --expect-error "no model_name variable")
set_tests_properties("dashboards: every panel is well formed and its PromQL parses"
  "dashboards: the static check finds every mistake of a broken dashboard"
  PROPERTIES LABELS integration TIMEOUT 60)

# Two simulators (bf16 and INT4 presets, DCGM endpoints), a Pushgateway and a Prometheus on
# 127.0.0.1, a suite run against both pushing its results, then every panel query through
# Prometheus's HTTP API returns data (about 15 s).
add_test(NAME "dashboards: every panel query returns data from a Prometheus scraping the simulators and the Pushgateway"
  COMMAND "${PYTHON3}" "${LLMPACE_DASHBOARDS_TESTS_DIR}/check_live.py"
    --llmpace "$<TARGET_FILE:llmpace>" --prometheus "${LLMPACE_PROMETHEUS}"
    --pushgateway "${LLMPACE_PUSHGATEWAY}" ${LLMPACE_DASHBOARDS})
set_tests_properties(
  "dashboards: every panel query returns data from a Prometheus scraping the simulators and the Pushgateway"
  PROPERTIES LABELS integration TIMEOUT 120)
