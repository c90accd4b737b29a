# LUKS2 sources (target_sources on cryptstack_engine)
target_sources(cryptstack_engine PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/JsonValue.cpp
    ${CMAKE_CURRENT_LIST_DIR}/Luks2BinaryHeader.cpp
    ${CMAKE_CURRENT_LIST_DIR}/Luks2Validator.cpp
    ${CMAKE_CURRENT_LIST_DIR}/Luks2Volume.cpp
)
