# Volume jobs shared by the CLI and the GUI (target_sources on cryptstack_engine)
