# One line per part of the module, so that each can be added on its own.
set(TEST_SOURCES)
# Prometheus text parser:
list(APPEND TEST_SOURCES exposition_test.cpp)
# Vocabulary and summary:
list(APPEND TEST_SOURCES readings_test.cpp readings_text_test.cpp telemetry_summary_test.cpp
  telemetry_json_test.cpp)
# Diagnosis:
list(APPEND TEST_SOURCES trend_test.cpp diagnosis_test.cpp sweep_diagnosis_test.cpp
  saturation_detector_test.cpp diagnosis_json_test.cpp)
