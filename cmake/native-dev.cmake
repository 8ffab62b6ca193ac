# The native top-level build: GoogleTest (plain and under ASan/UBSan), the Google Benchmark
# of the kernels, and the libFuzzer target.
option(ROPE_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
if(ROPE_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
  target_compile_options(rope_wasm_rope PRIVATE -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(rope_wasm_rope PUBLIC -fsanitize=address,undefined)
endif()

enable_testing()
find_package(GTest REQUIRED)
file(GLOB ROPE_NATIVE_TESTS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/native/*_test.cpp)
add_executable(rope_native_tests ${ROPE_NATIVE_TESTS})
target_link_libraries(rope_native_tests PRIVATE rope_wasm::rope rope_wasm_internal GTest::gtest GTest::gtest_main)
include(GoogleTest)
gtest_discover_tests(rope_native_tests DISCOVERY_TIMEOUT 60)

# The public header compiled as C99 with every warning an error, linked and run (a C
# translation unit is the only way to prove the header is C: C++ accepts more).
enable_language(C)
add_executable(rope_c_header_test ${PROJECT_SOURCE_DIR}/tests/c/header_c99.c)
set_target_properties(rope_c_header_test PROPERTIES C_STANDARD 99 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF
  LINKER_LANGUAGE CXX)
target_compile_options(rope_c_header_test PRIVATE -Wall -Wextra -Wpedantic -Werror)
target_link_libraries(rope_c_header_test PRIVATE rope_wasm::rope)
add_test(NAME c_header_c99 COMMAND rope_c_header_test)

# What the C API adds to a decode call (tests/c/call_overhead.cpp).
add_executable(rope_call_overhead ${PROJECT_SOURCE_DIR}/tests/c/call_overhead.cpp)
target_link_libraries(rope_call_overhead PRIVATE rope_wasm::rope rope_wasm_internal)
set_target_properties(rope_call_overhead PROPERTIES EXCLUDE_FROM_ALL TRUE)

# Native Google Benchmark of the kernels (npm run bench compares it with the wasm build).
find_package(benchmark QUIET)
if(benchmark_FOUND)
  add_executable(rope_native_bench ${PROJECT_SOURCE_DIR}/tests/bench/native/rope_bench.cpp)
  target_link_libraries(rope_native_bench PRIVATE rope_wasm::rope rope_wasm_internal benchmark::benchmark)
  set_target_properties(rope_native_bench PROPERTIES EXCLUDE_FROM_ALL TRUE)
endif()

# libFuzzer target over the core's entry points and the C API, under ASan and UBSan (clang
# only): cmake -S . -B build-fuzz -DROPE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++
# (scripts/fuzz-short.sh, scripts/fuzz-long.sh). The core's sources are compiled into it so
# they carry coverage.
option(ROPE_FUZZ "Build the libFuzzer target tests/fuzz/rope_fuzz.cpp (clang)" OFF)
if(ROPE_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "ROPE_FUZZ needs clang++ (-DCMAKE_CXX_COMPILER=clang++)")
  endif()
  add_executable(rope_fuzz ${PROJECT_SOURCE_DIR}/tests/fuzz/rope_fuzz.cpp ${ROPE_CORE_SOURCES})
  target_include_directories(rope_fuzz PRIVATE ${PROJECT_SOURCE_DIR}/include ${PROJECT_BINARY_DIR}/include)
  target_link_libraries(rope_fuzz PRIVATE rope_wasm_internal)
  target_compile_options(rope_fuzz PRIVATE -g -O1 -fsanitize=fuzzer,address,undefined
    -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(rope_fuzz PRIVATE -fsanitize=fuzzer,address,undefined)
endif()
