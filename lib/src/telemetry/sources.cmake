# One line per part of the module, so that each can be added on its own.
set(MODULE_SOURCES)
# Prometheus text parser:
list(APPEND MODULE_SOURCES exposition.cpp exposition_model.cpp exposition_lexing.cpp exposition_body.cpp)
# Vocabulary and summary:
list(APPEND MODULE_SOURCES readings.cpp gpu_readings.cpp telemetry_summary.cpp series_stats.cpp telemetry_json.cpp
  capture.cpp)
# Diagnosis:
list(APPEND MODULE_SOURCES trend.cpp diagnosis.cpp diagnosis_server_rules.cpp diagnosis_client_rules.cpp
  sweep_diagnosis.cpp saturation_detector.cpp diagnosis_json.cpp)
