# Recognising what a decrypted device holds, with libblkid (target_sources on cryptstack_engine)
