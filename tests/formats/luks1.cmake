# luks1 format tests
cryptstack_add_test(TestLuks1 TestLuks1.cpp LABELS formats)
