# common format tests
cryptstack_add_test(TestFormatCrypto TestFormatCrypto.cpp LABELS formats)
cryptstack_add_test(TestHeaderDevice TestHeaderDevice.cpp LABELS formats)
# LUKS1 <-> LUKS2 conversion, compared with cryptsetup convert
cryptstack_add_test(TestLuksConvert TestLuksConvert.cpp LABELS formats)
