# The Emscripten top-level build: the npm package's two wasm modules (dist/), the GoogleTest
# suite built to wasm, and the wasm kernel benchmark.
#
# Two builds of the same sources: one with -msimd128 in every translation unit, one with it
# in none (clang auto-vectorises plain loops under the flag, so the baseline build must never
# see it). The JS loader picks one at run time. The baseline module links the installable
# library itself (rope_wasm_rope, built with the project's flags, which carry no -msimd128);
# the SIMD module links a second build of it with -msimd128.
set(ROPE_DIST_DIR "${PROJECT_SOURCE_DIR}/dist" CACHE PATH "where the wasm builds go")
set(ROPE_LINK_FLAGS
  -sMODULARIZE=1
  -sEXPORT_ES6=1
  -sEXPORT_NAME=createRopeModule
  -sENVIRONMENT=web,worker
  -sALLOW_MEMORY_GROWTH=1
  -sMAXIMUM_MEMORY=2GB
  -sABORTING_MALLOC=0
  -sTOTAL_STACK=262144
  -sFILESYSTEM=0
  -sDYNAMIC_EXECUTION=0
  -sEXPORTED_FUNCTIONS=_malloc,_memalign,_free,_rope_wasm_apply,_rope_wasm_apply_qk,_rope_wasm_stream,_rope_wasm_apply_view,_rope_wasm_apply_dense,_rope_wasm_apply_qk_dense,_rope_wasm_apply_qkv,_rope_wasm_stream16,_rope_wasm_stream_strided
  -sEXPORTED_RUNTIME_METHODS=HEAPU8,HEAPU16,HEAP32,HEAPU32,HEAPF32,HEAPF64
  --bind
)

rope_add_core(rope_core_simd)
target_compile_options(rope_core_simd PUBLIC -msimd128)
set(ROPE_CORE_baseline rope_wasm_rope)
set(ROPE_CORE_simd rope_core_simd)
foreach(core rope_wasm_rope rope_core_simd)
  target_compile_options(${core} PRIVATE -O3 -fno-exceptions)
endforeach()

# The native GoogleTest suite is also built to wasm (gtest from Debian's sources) and
# run in Node, so each wasm SIMD kernel is checked against the scalar reference.
option(ROPE_WASM_TESTS "Build the GoogleTest suite to wasm too" ON)
set(GTEST_SRC_DIR /usr/src/googletest/googletest)
if(ROPE_WASM_TESTS AND EXISTS ${GTEST_SRC_DIR}/src/gtest-all.cc)
  add_library(gtest_wasm STATIC ${GTEST_SRC_DIR}/src/gtest-all.cc ${GTEST_SRC_DIR}/src/gtest_main.cc)
  target_include_directories(gtest_wasm PUBLIC ${GTEST_SRC_DIR}/include PRIVATE ${GTEST_SRC_DIR})
  target_compile_definitions(gtest_wasm PUBLIC GTEST_HAS_PTHREAD=0)
  target_compile_options(gtest_wasm PRIVATE -O1)
  set_target_properties(gtest_wasm PROPERTIES EXCLUDE_FROM_ALL TRUE)
  enable_testing()
  file(GLOB ROPE_NATIVE_TESTS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/native/*_test.cpp)
endif()

# The native benchmark's kernel calls, timed inside wasm (npm run bench: wasm-to-native ratio).
add_executable(rope_wasm_kernel_bench ${PROJECT_SOURCE_DIR}/tests/bench/wasm/rope_kernel_loop.cpp)
target_link_libraries(rope_wasm_kernel_bench PRIVATE rope_core_simd rope_wasm_internal)
target_compile_options(rope_wasm_kernel_bench PRIVATE -O3)
target_link_options(rope_wasm_kernel_bench PRIVATE -O3 -msimd128 -sENVIRONMENT=node -sALLOW_MEMORY_GROWTH=1)
set_target_properties(rope_wasm_kernel_bench PROPERTIES SUFFIX ".cjs" EXCLUDE_FROM_ALL TRUE)

# What the C API adds to a decode call, timed inside wasm (tests/c/call_overhead.cpp).
foreach(variant simd baseline)
  add_executable(rope_call_overhead_${variant} ${PROJECT_SOURCE_DIR}/tests/c/call_overhead.cpp)
  target_link_libraries(rope_call_overhead_${variant} PRIVATE ${ROPE_CORE_${variant}} rope_wasm_internal)
  target_compile_options(rope_call_overhead_${variant} PRIVATE -O3)
  target_link_options(rope_call_overhead_${variant} PRIVATE -O3 -sENVIRONMENT=node)
  set_target_properties(rope_call_overhead_${variant} PROPERTIES SUFFIX ".cjs" EXCLUDE_FROM_ALL TRUE)
endforeach()

foreach(variant simd baseline)
  set(core ${ROPE_CORE_${variant}})
  add_executable(rope_${variant} ${PROJECT_SOURCE_DIR}/bindings/embind.cpp)
  target_link_libraries(rope_${variant} PRIVATE ${core})
  target_compile_options(rope_${variant} PRIVATE -O3 -fno-exceptions ${ROPE_WARNINGS})
  target_link_options(rope_${variant} PRIVATE -O3 ${ROPE_LINK_FLAGS})
  if(variant STREQUAL "simd")
    target_link_options(rope_${variant} PRIVATE -msimd128)
  endif()
  set_target_properties(rope_${variant} PROPERTIES
    OUTPUT_NAME "rope-${variant}"
    SUFFIX ".mjs"
    RUNTIME_OUTPUT_DIRECTORY "${ROPE_DIST_DIR}")
  if(TARGET gtest_wasm)
    add_executable(rope_wasm_tests_${variant} ${ROPE_NATIVE_TESTS})
    target_link_libraries(rope_wasm_tests_${variant} PRIVATE ${core} rope_wasm_internal gtest_wasm)
    target_link_options(rope_wasm_tests_${variant} PRIVATE -sALLOW_MEMORY_GROWTH=1 -sENVIRONMENT=node)
    set_target_properties(rope_wasm_tests_${variant} PROPERTIES SUFFIX ".cjs" EXCLUDE_FROM_ALL TRUE)
    add_test(NAME wasm_${variant}_gtest COMMAND /usr/bin/node --no-experimental-fetch $<TARGET_FILE:rope_wasm_tests_${variant}>)
  endif()
endforeach()
