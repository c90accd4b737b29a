# LUKS2 sources (target_sources on cryptstack_engine)
