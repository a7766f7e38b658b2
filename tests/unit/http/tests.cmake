set(TEST_SOURCES url_test.cpp chunked_body_test.cpp request_text_test.cpp connection_test.cpp name_resolution_test.cpp response_anomalies_test.cpp)
