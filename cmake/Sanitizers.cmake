# llmpace_sanitizers: an INTERFACE target that turns on the sanitizers chosen with
# LLMPACE_ENABLE_ASAN / LLMPACE_ENABLE_UBSAN / LLMPACE_ENABLE_TSAN (see the `asan` and `tsan`
# presets in CMakePresets.json). ThreadSanitizer cannot be combined with AddressSanitizer.
if(LLMPACE_ENABLE_TSAN AND LLMPACE_ENABLE_ASAN)
  message(FATAL_ERROR "LLMPACE_ENABLE_TSAN and LLMPACE_ENABLE_ASAN cannot be used together")
endif()
add_library(llmpace_sanitizers INTERFACE)
set(_llmpace_sanitizers "")
if(LLMPACE_ENABLE_ASAN)
  list(APPEND _llmpace_sanitizers address)
endif()
if(LLMPACE_ENABLE_UBSAN)
  list(APPEND _llmpace_sanitizers undefined)
endif()
if(LLMPACE_ENABLE_TSAN)
  list(APPEND _llmpace_sanitizers thread)
  # Asio uses std::atomic_thread_fence, which TSan does not model; g++ warns on every use.
  target_compile_options(llmpace_sanitizers INTERFACE -Wno-tsan)
endif()
if(_llmpace_sanitizers)
  list(JOIN _llmpace_sanitizers "," _llmpace_sanitizer_list)
  target_compile_options(llmpace_sanitizers INTERFACE
    -fsanitize=${_llmpace_sanitizer_list} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(llmpace_sanitizers INTERFACE -fsanitize=${_llmpace_sanitizer_list})
  # Tests that report measured timing (not only correctness) relax their bounds when set.
  target_compile_definitions(llmpace_sanitizers INTERFACE LLMPACE_SANITIZED=1)
endif()
