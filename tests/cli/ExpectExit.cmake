# Runs CLI with ARGS (a |-separated list) and checks its exit code is EXPECTED_EXIT and that it printed
# EXPECTED_ERROR as the only stderr line and nothing on stdout.
# cmake -DCLI=... -DARGS="dm|table|--concise|..." -DEXPECTED_EXIT=1 -DEXPECTED_ERROR=... -P ExpectExit.cmake
string(REPLACE "|" ";" arguments "${ARGS}")
execute_process(COMMAND "${CLI}" ${arguments} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc STREQUAL "${EXPECTED_EXIT}")
    message(FATAL_ERROR "exit code ${rc}, expected ${EXPECTED_EXIT}; stderr: ${err}")
endif()
if(NOT out STREQUAL "")
    message(FATAL_ERROR "unexpected stdout: ${out}")
endif()
if(NOT err STREQUAL "${EXPECTED_ERROR}\n")
    message(FATAL_ERROR "stderr was: ${err}expected: ${EXPECTED_ERROR}")
endif()
