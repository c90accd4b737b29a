target_sources(cryptstack_engine PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/AfSplitter.cpp
    ${CMAKE_CURRENT_LIST_DIR}/Base64.cpp
    ${CMAKE_CURRENT_LIST_DIR}/CipherBenchmark.cpp
    ${CMAKE_CURRENT_LIST_DIR}/CipherNames.cpp
    ${CMAKE_CURRENT_LIST_DIR}/ConstantTime.cpp
    ${CMAKE_CURRENT_LIST_DIR}/HashContext.cpp
    ${CMAKE_CURRENT_LIST_DIR}/HeaderBackup.cpp
    ${CMAKE_CURRENT_LIST_DIR}/HeaderDevice.cpp
    ${CMAKE_CURRENT_LIST_DIR}/KeyslotCipher.cpp
    ${CMAKE_CURRENT_LIST_DIR}/LuksConvert.cpp
    ${CMAKE_CURRENT_LIST_DIR}/LuksFormat.cpp
    ${CMAKE_CURRENT_LIST_DIR}/LuksVolume.cpp
    ${CMAKE_CURRENT_LIST_DIR}/Pbkdf.cpp
    ${CMAKE_CURRENT_LIST_DIR}/PlainKey.cpp
    ${CMAKE_CURRENT_LIST_DIR}/SecureRandom.cpp
    ${CMAKE_CURRENT_LIST_DIR}/Uuid.cpp
)
# What the GUI's inspector shows of a header: its on-disk layout and its fields.
target_sources(cryptstack_engine PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/DiskLayout.cpp
    ${CMAKE_CURRENT_LIST_DIR}/HeaderFieldList.cpp
    ${CMAKE_CURRENT_LIST_DIR}/Luks2HeaderCopy.cpp)
