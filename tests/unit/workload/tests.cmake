set(TEST_SOURCES synthetic_data_test.cpp synthetic_prompts_test.cpp dataset_prompts_test.cpp
    dataset_file_test.cpp csv_reader_test.cpp json_array_scanner_test.cpp)
