# common format tests
cryptstack_add_test(TestFormatCrypto TestFormatCrypto.cpp LABELS formats)
