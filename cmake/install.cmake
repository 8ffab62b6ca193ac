# Install rules and the CMake package: after `cmake --install`, consumers write
#   find_package(rope_wasm 0.1 CONFIG REQUIRED)
#   target_link_libraries(app PRIVATE rope_wasm::rope)
include(CMakePackageConfigHelpers)

set(ROPE_CMAKE_INSTALL_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/rope_wasm")

install(TARGETS rope_wasm_rope EXPORT rope_wasmTargets
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(FILES "${PROJECT_SOURCE_DIR}/include/rope_wasm/rope.h" "${PROJECT_BINARY_DIR}/include/rope_wasm/version.h"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/rope_wasm")
install(EXPORT rope_wasmTargets NAMESPACE rope_wasm:: DESTINATION "${ROPE_CMAKE_INSTALL_DIR}")

configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/rope_wasmConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/rope_wasmConfig.cmake" INSTALL_DESTINATION "${ROPE_CMAKE_INSTALL_DIR}")
# 0.x: a minor release may change the API or ABI (semver's rule for 0.y.z), so a request for
# 0.1 must not be satisfied by 0.2, which SameMajorVersion would allow. From 1.0 on this
# becomes SameMajorVersion.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/rope_wasmConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}" COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/rope_wasmConfig.cmake" "${PROJECT_BINARY_DIR}/rope_wasmConfigVersion.cmake"
  DESTINATION "${ROPE_CMAKE_INSTALL_DIR}")
