# LUKS1 sources (target_sources on cryptstack_engine)
