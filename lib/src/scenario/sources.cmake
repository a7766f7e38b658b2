set(MODULE_SOURCES run_settings.cpp references.cpp scenario_file.cpp yaml_reader.cpp
    guidellm_scenario.cpp scenario_writer.cpp suite_file.cpp)
