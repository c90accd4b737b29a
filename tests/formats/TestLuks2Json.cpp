// The LUKS2 JSON layer against json-c 0.16's behaviour: parse → compact/pretty rows, hostile input
// that must fail cleanly, and the end offset cryptsetup's area check continues from.
#include "formats/luks2/JsonValue.h"

#include <QTest>

using namespace cryptstack::luks2;

class TestLuks2Json : public QObject
{
    Q_OBJECT

private slots:
    void roundTrip_data();
    void roundTrip();
    void pretty_data();
    void pretty();
    void hostile_data();
    void hostile();
    void endOffset_data();
    void endOffset();
    void duplicateKeepsPosition();
    void nestingLimit();
    void getters();
    void largeObject();
};

void TestLuks2Json::roundTrip_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("compact");

    QTest::newRow("empty object") << QByteArray("{}") << QByteArray("{}");
    QTest::newRow("order kept") << QByteArray(R"({"b":1,"a":2,"0":3})")
                                << QByteArray(R"({"b":1,"a":2,"0":3})");
    QTest::newRow("whitespace dropped")
        << QByteArray("{ \"a\" : [ 1 , 2 ] ,\n\t\"b\" : { } }") << QByteArray(R"({"a":[1,2],"b":{}})");
    QTest::newRow("duplicate replaces in place")
        << QByteArray(R"({"a":1,"b":2,"a":3})") << QByteArray(R"({"a":3,"b":2})");
    QTest::newRow("slash not escaped") << QByteArray(R"({"p":"a\/b/c"})") << QByteArray(R"({"p":"a/b/c"})");
    QTest::newRow("control escapes") << QByteArray(R"({"s":"\b\f\n\r\t\u0001\u001f"})")
                                     << QByteArray(R"({"s":"\b\f\n\r\t\u0001\u001f"})");
    QTest::newRow("del and non-ascii raw")
        << QByteArray("{\"s\":\"\x7f\xc3\xa9\\u00e9\"}") << QByteArray("{\"s\":\"\x7f\xc3\xa9\xc3\xa9\"}");
    QTest::newRow("quote and backslash") << QByteArray(R"({"s":"\"\\"})") << QByteArray(R"({"s":"\"\\"})");
    QTest::newRow("surrogate pair") << QByteArray(R"({"s":"\ud83d\ude00"})")
                                    << QByteArray("{\"s\":\"\xf0\x9f\x98\x80\"}");
    QTest::newRow("lone surrogate") << QByteArray(R"({"s":"\ud83dx"})")
                                    << QByteArray("{\"s\":\"\xef\xbf\xbdx\"}");
    QTest::newRow("embedded nul") << QByteArray(R"({"s":"a\u0000b"})") << QByteArray(R"({"s":"a\u0000b"})");
    QTest::newRow("key cut at nul") << QByteArray(R"({"a\u0000b":1})") << QByteArray(R"({"a":1})");
    QTest::newRow("int64 limits") << QByteArray(R"({"a":-9223372036854775808,"b":9223372036854775807})")
                                  << QByteArray(R"({"a":-9223372036854775808,"b":9223372036854775807})");
    QTest::newRow("uint64") << QByteArray(R"({"a":18446744073709551615})")
                            << QByteArray(R"({"a":18446744073709551615})");
    QTest::newRow("huge positive clamps")
        << QByteArray(R"({"a":99999999999999999999999})") << QByteArray(R"({"a":18446744073709551615})");
    QTest::newRow("huge negative clamps")
        << QByteArray(R"({"a":-99999999999999999999999})") << QByteArray(R"({"a":-9223372036854775808})");
    QTest::newRow("leading zero") << QByteArray(R"({"a":007})") << QByteArray(R"({"a":7})");
    QTest::newRow("double kept as written")
        << QByteArray(R"({"a":1.50,"b":1e5,"c":-0.0})") << QByteArray(R"({"a":1.50,"b":1e5,"c":-0.0})");
    QTest::newRow("dangling exponent trimmed") << QByteArray(R"({"a":1.5e+})") << QByteArray(R"({"a":1.5})");
    QTest::newRow("literals") << QByteArray(R"({"a":true,"b":FALSE,"c":Null})")
                              << QByteArray(R"({"a":true,"b":false,"c":null})");
    QTest::newRow("nan and infinity") << QByteArray(R"({"a":NaN,"b":-Infinity,"c":infinity})")
                                      << QByteArray(R"({"a":NaN,"b":-Infinity,"c":Infinity})");
    QTest::newRow("comments") << QByteArray("{/* c */\"a\"://x\n1}") << QByteArray(R"({"a":1})");
    QTest::newRow("single quotes") << QByteArray(R"({'a':'b'})") << QByteArray(R"({"a":"b"})");
    QTest::newRow("trailing commas") << QByteArray(R"({"a":[1,2,],})") << QByteArray(R"({"a":[1,2]})");
    QTest::newRow("nested empty") << QByteArray(R"({"a":[[],{}]})") << QByteArray(R"({"a":[[],{}]})");
}

void TestLuks2Json::roundTrip()
{
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, compact);
    auto parsed = JsonValue::parse(input);
    QVERIFY2(parsed.isOk(), qPrintable(parsed.message()));
    QCOMPARE(parsed->toCompact(), compact);
    // The compact form parses back to the same tree.
    auto again = JsonValue::parse(compact);
    QVERIFY(again.isOk());
    QCOMPARE(again->toCompact(), compact);
}

void TestLuks2Json::pretty_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("pretty");
    QTest::newRow("empty") << QByteArray("{}") << QByteArray("{\n}");
    QTest::newRow("nested") << QByteArray(R"({"a":{},"b":[1,"x"],"c":{"d":[]}})")
                            << QByteArray("{\n  \"a\":{\n  },\n  \"b\":[\n    1,\n    \"x\"\n  ],\n"
                                          "  \"c\":{\n    \"d\":[\n    ]\n  }\n}");
}

void TestLuks2Json::pretty()
{
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, pretty);
    auto parsed = JsonValue::parse(input);
    QVERIFY(parsed.isOk());
    QCOMPARE(parsed->toPretty(), pretty);
}

void TestLuks2Json::hostile_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::newRow("unterminated object") << QByteArray("{\"a\":1");
    QTest::newRow("unterminated string") << QByteArray("{\"a\":\"xyz");
    QTest::newRow("nul inside string") << QByteArray("{\"a\":\"x\0y\"}", 10);
    QTest::newRow("bad escape") << QByteArray(R"({"a":"\x"})");
    QTest::newRow("short unicode escape") << QByteArray(R"({"a":"\u12"})");
    QTest::newRow("missing colon") << QByteArray(R"({"a" 1})");
    QTest::newRow("missing comma") << QByteArray(R"({"a":1 "b":2})");
    QTest::newRow("unquoted key") << QByteArray("{a:1}");
    QTest::newRow("bare minus") << QByteArray(R"({"a":-})");
    QTest::newRow("number garbage") << QByteArray(R"({"a":12x})");
    QTest::newRow("double dot") << QByteArray(R"({"a":1.2.3})");
    QTest::newRow("leading dot") << QByteArray(R"({"a":.5})");
    QTest::newRow("bad literal") << QByteArray(R"({"a":tru})");
    QTest::newRow("bad comment") << QByteArray("{/x \"a\":1}");
    QTest::newRow("unterminated comment inside") << QByteArray("{\"a\":1 /* never");
    QTest::newRow("empty input") << QByteArray("");
    QTest::newRow("deep arrays") << (QByteArray("{\"a\":") + QByteArray(40, '[') + QByteArray(40, ']') + "}");
    QTest::newRow("very deep") << QByteArray(100000, '[');
}

void TestLuks2Json::hostile()
{
    QFETCH(QByteArray, input);
    auto parsed = JsonValue::parse(input);
    QVERIFY(!parsed.isOk());
    QVERIFY(parsed.message().startsWith(u"JSON parse error at byte "));
}

void TestLuks2Json::endOffset_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<int>("end");
    QTest::newRow("exact") << QByteArray("{}\0\0", 4) << 2;
    QTest::newRow("trailing whitespace") << QByteArray("{} \n\0", 5) << 4;
    QTest::newRow("trailing garbage stops") << QByteArray("{}x") << 2;
    QTest::newRow("trailing comment") << QByteArray("{}/*c*/\0", 8) << 7;
    QTest::newRow("unterminated trailing comment") << QByteArray("{}/*c\0\0", 7) << 6;
    QTest::newRow("fills buffer") << QByteArray("{}") << 2;
}

void TestLuks2Json::endOffset()
{
    QFETCH(QByteArray, input);
    QFETCH(int, end);
    size_t offset = 0;
    auto parsed = JsonValue::parse(input, &offset);
    QVERIFY(parsed.isOk());
    QCOMPARE(int(offset), end);
}

void TestLuks2Json::duplicateKeepsPosition()
{
    auto parsed = JsonValue::parse(R"({"x":{"k":1},"y":2,"x":"s"})");
    QVERIFY(parsed.isOk());
    QCOMPARE(parsed->members().size(), size_t(2));
    QCOMPARE(parsed->members()[0].key, QByteArray("x"));
    QVERIFY(parsed->find("x")->isString());
    JsonValue v = *parsed;
    v.insert("a", JsonValue::integer(1));
    v.remove("x");
    QCOMPARE(v.toCompact(), QByteArray(R"({"y":2,"a":1})"));
}

void TestLuks2Json::nestingLimit()
{
    // json-c's depth 32: a value at nesting depth 31 is fine, one deeper is refused.
    const QByteArray ok = QByteArray(31, '[') + "1" + QByteArray(31, ']');
    QVERIFY(JsonValue::parse(ok).isOk());
    const QByteArray emptyInnermost = QByteArray(32, '[') + QByteArray(32, ']');
    QVERIFY(JsonValue::parse(emptyInnermost).isOk());
    const QByteArray tooDeep = QByteArray(32, '[') + "1" + QByteArray(32, ']');
    QVERIFY(!JsonValue::parse(tooDeep).isOk());
}

void TestLuks2Json::getters()
{
    auto parsed =
        JsonValue::parse(R"({"s":"1000","i":7,"b":true,"d":2.9,"big":18446744073709551615,"bad":"x1"})");
    QVERIFY(parsed.isOk());
    QCOMPARE(parsed->find("s")->toInt64(), 1000);
    QCOMPARE(parsed->find("i")->toInt64(), 7);
    QCOMPARE(parsed->find("b")->toInt64(), 1);
    QCOMPARE(parsed->find("d")->toInt64(), 2);
    QCOMPARE(parsed->find("big")->toInt64(), std::numeric_limits<int64_t>::max());
    QCOMPARE(parsed->find("big")->toInt(), std::numeric_limits<int32_t>::max());
    QCOMPARE(parsed->find("bad")->toInt64(), 0);
    QCOMPARE(parsed->find("i")->toText(), QByteArray("7"));
}

void TestLuks2Json::largeObject()
{
    // Many members (and duplicates) stay fast: the index keeps lookups constant.
    QByteArray text = "{";
    for (int i = 0; i < 200000; ++i)
        text += "\"k" + QByteArray::number(i % 50000) + "\":" + QByteArray::number(i) + ",";
    text += "\"end\":0}";
    auto parsed = JsonValue::parse(text);
    QVERIFY(parsed.isOk());
    QCOMPARE(parsed->size(), 50001);
    QCOMPARE(parsed->find("k0")->toInt64(), 150000);
}

QTEST_GUILESS_MAIN(TestLuks2Json)
#include "TestLuks2Json.moc"
