# The fuzz targets, shared by fuzz/CMakeLists.txt (the libFuzzer executables, CRYPTSTACK_FUZZ=ON)
# and tests/fuzz (TestFuzzRegressions replays saved inputs through the same entry points in the
# normal build). fuzz_<name>.cpp defines cryptstack::fuzz::<entry point> for each <name>.
set(CRYPTSTACK_FUZZ_DIR ${CMAKE_CURRENT_LIST_DIR})
set(CRYPTSTACK_FUZZ_TARGETS table_line concise cipher_spec luks1_header luks2_header luks2_json keyslot_unlock)
set(CRYPTSTACK_FUZZ_SUPPORT_SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/FuzzSupport.cpp
    ${CMAKE_CURRENT_LIST_DIR}/TableHarness.cpp
)
