# luks2 format tests
cryptstack_add_test(TestLuks2Json TestLuks2Json.cpp LABELS formats)
cryptstack_add_test(TestLuks2 TestLuks2.cpp LABELS formats)
cryptstack_add_test(TestLuks2Format TestLuks2Format.cpp LABELS formats interop)
