# LUKS1 sources (target_sources on cryptstack_engine)
target_sources(cryptstack_engine PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/Luks1Header.cpp
    ${CMAKE_CURRENT_LIST_DIR}/Luks1RawHeader.cpp
    ${CMAKE_CURRENT_LIST_DIR}/Luks1Repair.cpp
    ${CMAKE_CURRENT_LIST_DIR}/Luks1Volume.cpp
)
