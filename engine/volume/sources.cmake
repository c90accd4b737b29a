# Volume jobs shared by the CLI and the GUI (target_sources on cryptstack_engine)
target_sources(cryptstack_engine PRIVATE ${CMAKE_CURRENT_LIST_DIR}/PlainVolume.cpp)
target_sources(cryptstack_engine PRIVATE ${CMAKE_CURRENT_LIST_DIR}/VolumeMapper.cpp)
target_sources(cryptstack_engine PRIVATE ${CMAKE_CURRENT_LIST_DIR}/LuksActivation.cpp)
