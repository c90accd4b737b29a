# The NBD server (target_sources on cryptstack_engine)
target_sources(cryptstack_engine PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/NbdAddress.cpp
    ${CMAKE_CURRENT_LIST_DIR}/NbdConnection.cpp
    ${CMAKE_CURRENT_LIST_DIR}/NbdExecutor.cpp
    ${CMAKE_CURRENT_LIST_DIR}/NbdRangeLock.cpp
    ${CMAKE_CURRENT_LIST_DIR}/NbdServer.cpp
    ${CMAKE_CURRENT_LIST_DIR}/NbdStream.cpp
)
