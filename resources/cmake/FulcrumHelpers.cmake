# Shared build settings. Every target opts in through fulcrum_target_defaults() so the
# flags live in one place and nothing leaks in through global variables.

find_program(FULCRUM_CCACHE ccache)
if(FULCRUM_CCACHE)
  set(CMAKE_C_COMPILER_LAUNCHER "${FULCRUM_CCACHE}")
  set(CMAKE_CXX_COMPILER_LAUNCHER "${FULCRUM_CCACHE}")
endif()

add_library(fulcrum_build_flags INTERFACE)
target_compile_options(fulcrum_build_flags INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align -Woverloaded-virtual
  -Wimplicit-fallthrough -Wformat=2
  $<$<BOOL:${FULCRUM_WERROR}>:-Werror>)
if(FULCRUM_SANITIZE)
  target_compile_options(fulcrum_build_flags INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(fulcrum_build_flags INTERFACE -fsanitize=address,undefined)
  # Sanitized code runs several times slower: CTest scales every test's timeout (and tests
  # that wait for processes check tests/support/sanitized.h).
  set(FULCRUM_TEST_TIME_SCALE 4 CACHE INTERNAL "")
else()
  set(FULCRUM_TEST_TIME_SCALE 1 CACHE INTERNAL "")
endif()
if(FULCRUM_FUZZ)
  # Coverage instrumentation for everything the fuzzers reach; the fuzzer's own main is
  # linked only into the fuzz executables (see fulcrum_add_fuzzer).
  target_compile_options(fulcrum_build_flags INTERFACE -fsanitize=fuzzer-no-link,address,undefined)
  target_link_options(fulcrum_build_flags INTERFACE -fsanitize=address,undefined)
endif()

# clang 14's -fsanitize=function (part of "undefined") cannot assemble C++20 coroutines: their
# split-off resume/destroy parts land in other sections than the prologue data the check
# refers to ("Cannot represent a difference across sections"). Only that one check is dropped;
# every other UBSan check still covers the coroutine code. After the -fsanitize options
# above: the last option for a check wins.
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 15
   AND (FULCRUM_SANITIZE OR FULCRUM_FUZZ))
  target_compile_options(fulcrum_build_flags INTERFACE -fno-sanitize=function)
endif()

# `cmake --build --preset fuzz` builds just this: every fuzz target.
add_custom_target(fulcrum_fuzzers)

function(fulcrum_target_defaults target)
  target_link_libraries(${target} PRIVATE fulcrum_build_flags)
endfunction()

# A GoogleTest executable whose tests are registered one by one with the given CTest label.
#   fulcrum_add_gtest(NAME name LABEL unit|integration|e2e SOURCES ... LIBS ... [TIMEOUT s] [PREFIX p.])
# PREFIX names the tests of a second build of the same sources apart (the proxy's io_uring copy).
function(fulcrum_add_gtest)
  cmake_parse_arguments(T "" "NAME;LABEL;TIMEOUT;PREFIX" "SOURCES;LIBS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  math(EXPR T_TIMEOUT "${T_TIMEOUT} * ${FULCRUM_TEST_TIME_SCALE}")
  add_executable(${T_NAME} ${T_SOURCES})
  fulcrum_target_defaults(${T_NAME})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gtest GTest::gmock GTest::gtest_main)
  gtest_discover_tests(${T_NAME}
    TEST_PREFIX "${T_PREFIX}"
    PROPERTIES LABELS ${T_LABEL} TIMEOUT ${T_TIMEOUT}
    DISCOVERY_TIMEOUT 60)
endfunction()

# A fuzz target beside a parser. With FULCRUM_FUZZ (clang) it is a libFuzzer binary and its
# CTest entry fuzzes for FULCRUM_FUZZ_SECONDS starting from the seed corpus. Otherwise it is
# linked with a replay driver and its CTest entry runs every seed once, so the corpus and the
# target are exercised in every build.
#   fulcrum_add_fuzzer(NAME name SOURCES ... LIBS ... CORPUS dir)
function(fulcrum_add_fuzzer)
  cmake_parse_arguments(F "" "NAME;CORPUS" "SOURCES;LIBS" ${ARGN})
  add_executable(${F_NAME} ${F_SOURCES})
  add_dependencies(fulcrum_fuzzers ${F_NAME})
  fulcrum_target_defaults(${F_NAME})
  target_link_libraries(${F_NAME} PRIVATE ${F_LIBS})
  if(FULCRUM_FUZZ)
    target_link_options(${F_NAME} PRIVATE -fsanitize=fuzzer)
    set(work "${CMAKE_CURRENT_BINARY_DIR}/${F_NAME}-corpus")
    add_test(NAME ${F_NAME}
      COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=1
              $<TARGET_FILE:${F_NAME}> -max_total_time=${FULCRUM_FUZZ_SECONDS}
              -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 ${work} ${F_CORPUS})
    set_tests_properties(${F_NAME} PROPERTIES LABELS fuzz TIMEOUT 600)
    file(MAKE_DIRECTORY "${work}")
  else()
    target_sources(${F_NAME} PRIVATE "${PROJECT_SOURCE_DIR}/tests/fuzz/replay_main.cpp")
    add_test(NAME ${F_NAME} COMMAND $<TARGET_FILE:${F_NAME}> ${F_CORPUS})
    set_tests_properties(${F_NAME} PROPERTIES LABELS fuzz TIMEOUT 120)
  endif()
endfunction()
