# common format tests
cryptstack_add_test(TestFormatCrypto TestFormatCrypto.cpp LABELS formats)
cryptstack_add_test(TestHeaderDevice TestHeaderDevice.cpp LABELS formats)
