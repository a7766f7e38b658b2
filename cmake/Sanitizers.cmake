# llmpace_sanitizers: an INTERFACE target that turns on the sanitizers chosen with
# LLMPACE_ENABLE_ASAN / LLMPACE_ENABLE_UBSAN (see the `asan` preset in CMakePresets.json).
add_library(llmpace_sanitizers INTERFACE)
set(_llmpace_sanitizers "")
if(LLMPACE_ENABLE_ASAN)
  list(APPEND _llmpace_sanitizers address)
endif()
if(LLMPACE_ENABLE_UBSAN)
  list(APPEND _llmpace_sanitizers undefined)
endif()
if(_llmpace_sanitizers)
  list(JOIN _llmpace_sanitizers "," _llmpace_sanitizer_list)
  target_compile_options(llmpace_sanitizers INTERFACE
    -fsanitize=${_llmpace_sanitizer_list} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(llmpace_sanitizers INTERFACE -fsanitize=${_llmpace_sanitizer_list})
endif()
