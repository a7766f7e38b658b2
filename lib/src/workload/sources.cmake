set(MODULE_SOURCES synthetic_data.cpp token_counter.cpp word_calibration.cpp synthetic_prompts.cpp
    dataset_prompts.cpp
    dataset_file.cpp csv_reader.cpp json_array_scanner.cpp dataset_columns.cpp workload_plan.cpp)
