set(MODULE_SOURCES report.cpp report_diagnosis.cpp telemetry_text.cpp number_format.cpp report_text.cpp json_writer.cpp console_writer.cpp
    progress_line.cpp progress_display.cpp csv_writer.cpp request_log.cpp
    json_reader.cpp compare.cpp svg_chart.cpp html_writer.cpp)
list(APPEND MODULE_SOURCES html_table.cpp html_diagnosis.cpp html_telemetry.cpp html_telemetry_charts.cpp)
list(APPEND MODULE_SOURCES benchmark_merge.cpp report_merge.cpp)
