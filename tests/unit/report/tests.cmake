set(TEST_SOURCES report_test.cpp json_writer_test.cpp console_writer_test.cpp progress_line_test.cpp
    progress_display_test.cpp csv_writer_test.cpp request_log_test.cpp
    json_reader_test.cpp compare_test.cpp svg_chart_test.cpp html_writer_test.cpp
    number_format_test.cpp report_text_test.cpp)
list(APPEND TEST_SOURCES error_examples_test.cpp)
list(APPEND TEST_SOURCES html_telemetry_test.cpp)
list(APPEND TEST_SOURCES incomplete_report_test.cpp)
list(APPEND TEST_SOURCES report_merge_test.cpp)
list(APPEND TEST_SOURCES request_tally_test.cpp)
