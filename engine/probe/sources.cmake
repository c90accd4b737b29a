# Recognising what a decrypted device holds, with libblkid (target_sources on cryptstack_engine)
pkg_check_modules(BLKID REQUIRED IMPORTED_TARGET blkid)
target_sources(cryptstack_engine PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/ContentDescription.cpp
    ${CMAKE_CURRENT_LIST_DIR}/ContentProbe.cpp)
target_link_libraries(cryptstack_engine PRIVATE PkgConfig::BLKID)
# Byte-entropy classification of image blocks, for the GUI's entropy map.
target_sources(cryptstack_engine PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/ImageEntropyScan.cpp
    ${CMAKE_CURRENT_LIST_DIR}/SectorEntropy.cpp)
