import DialectWire
import Testing

@Suite struct PercentEncodingTests {
    /// The first value of a name, as the full decoding would give it, whether or not the name itself is encoded.
    @Test(arguments: [
        ("Action=A&Format=XML&Format=JSON", "XML"),
        ("Form%61t=xml&Format=JSON", "xml"),
        ("Format=a+b%2Fc", "a b/c"),
        ("Format", ""),
        ("Action=Format", nil),
        ("Format=%zz", nil),
        ("", nil),
    ] as [(String, String?)])
    func theFirstValueOfANameIsTheOneFullDecodingGives(query: String, value: String?) {
        #expect(PercentEncoding.firstValue(named: "Format", in: query) == value)
        if let pairs = PercentEncoding.formPairs(query) {
            #expect(pairs.first { $0.name == "Format" }?.value == value)
        }
    }
}
