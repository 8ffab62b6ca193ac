# Sourced by fuzz-short.sh and fuzz-long.sh: builds the libFuzzer target (clang, ASan + UBSan)
# in build-fuzz/ when needed and sets the variables and sanitizer options both runs use.
build_dir=build-fuzz
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake -S . -B "$build_dir" -DROPE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug >/dev/null
fi
cmake --build "$build_dir" -j 2 --target rope_fuzz
fuzzer="$build_dir/rope_fuzz"
artifacts="$build_dir/artifacts"
mkdir -p "$artifacts"
export ASAN_OPTIONS="${ASAN_OPTIONS:-allocator_may_return_null=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
