# The NBD server (target_sources on cryptstack_engine)
