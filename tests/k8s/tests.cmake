# --- Kubernetes package (k8s/, docs/kubernetes.md) --------------------------------------------
# No API server runs here: the kustomizations are built with kubectl, every object is validated
# against its schema (npm kubernetes-models and @kubernetes-models/prometheus-operator, pinned in
# tests/k8s/package-lock.json and installed by scripts/install-deps.sh; the grafana-operator's
# CRD schemas in tests/k8s/schemas/; Tekton's rules in tekton_rules.py), every pod template is
# held to OpenShift's restricted-v2 SCC, and the Job's, CronJob's and Tekton Task's command lines
# run through the real binary with --dry-run (and scenarios/suites/demo-sim.yaml, which no pod
# runs), the sharded Job's pods (k8s/scale-out) for real against a simulator. A missing kubectl, node, node_modules or yamllint fails these tests, never skips them.
set(LLMPACE_K8S_CHECK "${CMAKE_CURRENT_SOURCE_DIR}/k8s/check_k8s.py")
add_test(NAME "k8s: every kustomization builds, with the objects docs/kubernetes.md describes"
  COMMAND "${PYTHON3}" "${LLMPACE_K8S_CHECK}" build "${PROJECT_SOURCE_DIR}")
add_test(NAME "k8s: the base's scenario copies equal scenarios/"
  COMMAND "${PYTHON3}" "${LLMPACE_K8S_CHECK}" copies "${PROJECT_SOURCE_DIR}")
add_test(NAME "k8s: every object validates against its schema"
  COMMAND "${PYTHON3}" "${LLMPACE_K8S_CHECK}" validate "${PROJECT_SOURCE_DIR}")
add_test(NAME "k8s: every pod template passes OpenShift's restricted-v2 SCC"
  COMMAND "${PYTHON3}" "${LLMPACE_K8S_CHECK}" policy "${PROJECT_SOURCE_DIR}")
add_test(NAME "k8s: the restricted-v2 check catches every planted violation"
  COMMAND "${PYTHON3}" "${LLMPACE_K8S_CHECK}" policy --self-test "${PROJECT_SOURCE_DIR}")
add_test(NAME "k8s: yamllint of k8s/ and scenarios/suites/"
  COMMAND "${PYTHON3}" -m yamllint --strict -c "${CMAKE_CURRENT_SOURCE_DIR}/k8s/yamllint.yaml"
    "${PROJECT_SOURCE_DIR}/k8s" "${PROJECT_SOURCE_DIR}/scenarios/suites")
set_tests_properties(
  "k8s: every kustomization builds, with the objects docs/kubernetes.md describes"
  "k8s: the base's scenario copies equal scenarios/"
  "k8s: every object validates against its schema"
  "k8s: every pod template passes OpenShift's restricted-v2 SCC"
  "k8s: the restricted-v2 check catches every planted violation"
  "k8s: yamllint of k8s/ and scenarios/suites/"
  PROPERTIES LABELS unit TIMEOUT 120)
# The sharded Job's pods (k8s/scale-out) have no dry run: they run for real, together, against
# a simulator, with 3-second benchmarks (about 30 s), and once more with a shard failing.
add_test(NAME "k8s: the Job's, CronJob's and Tekton Task's command lines run with --dry-run"
  COMMAND "${PYTHON3}" "${LLMPACE_K8S_CHECK}" commands "${PROJECT_SOURCE_DIR}"
    "$<TARGET_FILE:llmpace>")
set_tests_properties("k8s: the Job's, CronJob's and Tekton Task's command lines run with --dry-run"
  PROPERTIES LABELS integration TIMEOUT 240)
