import KeywardCore
import Testing

@Suite struct KeyPairNameTests {
    @Test(arguments: ["ab", "my-key_1", "Key:prod", String(repeating: "a", count: 128)])
    func validCreatedNamesAreAccepted(name: String) throws {
        #expect(try KeyPairName(name, origin: .created).value == name)
    }

    @Test(arguments: ["a", "1key", "-key", "key.pub", "key pair", "http://x", "HTTPS://x", "密钥", String(repeating: "a", count: 129), ""])
    func invalidCreatedNamesAreRefused(name: String) {
        #expect(throws: DomainError.invalidKeyPairName(name)) { try KeyPairName(name, origin: .created) }
    }

    @Test(arguments: ["密钥对", "key.pub", "Ключ-1", "ab"])
    func importedNamesAllowUnicodeLettersAndDots(name: String) throws {
        #expect(try KeyPairName(name, origin: .imported).value == name)
    }

    @Test(arguments: [".key", "1key", "key/pub", "https://a", "k"])
    func invalidImportedNamesAreRefused(name: String) {
        #expect(throws: DomainError.invalidKeyPairName(name)) { try KeyPairName(name, origin: .imported) }
    }
}

@Suite struct TagTests {
    @Test func tagRulesFollowTheDocumentedLimits() throws {
        #expect(try KeywardCore.Tag(key: "env", value: "").value == "")
        #expect(throws: DomainError.invalidTagKey("")) { try KeywardCore.Tag(key: "", value: "x") }
        #expect(throws: DomainError.invalidTagKey("aliyun-x")) { try KeywardCore.Tag(key: "aliyun-x", value: "x") }
        #expect(throws: DomainError.invalidTagKey("acs:x")) { try KeywardCore.Tag(key: "acs:x", value: "x") }
        #expect(throws: DomainError.invalidTagKey("see http://x")) { try KeywardCore.Tag(key: "see http://x", value: "x") }
        #expect(throws: DomainError.invalidTagValue("acs:v")) { try KeywardCore.Tag(key: "k", value: "acs:v") }
        let long = String(repeating: "v", count: 129)
        #expect(throws: DomainError.invalidTagValue(long)) { try KeywardCore.Tag(key: "k", value: long) }
    }

    @Test func aSetOfTagsMayNotRepeatAKeyOrExceedTwenty() throws {
        let tags = try (1...21).map { try KeywardCore.Tag(key: "k\($0)", value: "") }
        #expect(throws: DomainError.tooManyTags(limit: 20)) { try KeywardCore.Tag.validateSet(tags) }
        try KeywardCore.Tag.validateSet(Array(tags.prefix(20)))
        #expect(throws: DomainError.duplicateTagKey("a")) { try KeywardCore.Tag.validateSet([try KeywardCore.Tag(key: "a", value: "1"), try KeywardCore.Tag(key: "a", value: "2")]) }
    }
}

@Suite struct NamePatternTests {
    @Test func starMatchesAnyRunIncludingEmpty() {
        #expect(NamePattern("*SshKey").matches("SshKey"))
        #expect(NamePattern("*SshKey").matches("mySshKey"))
        #expect(!NamePattern("*SshKey").matches("SshKeys"))
        #expect(NamePattern("SshKey*").matches("SshKey-1"))
        #expect(NamePattern("*mid*").matches("a-mid-b"))
        #expect(NamePattern("a*b*c").matches("abc"))
        #expect(!NamePattern("a*b*c").matches("acb"))
        #expect(NamePattern("exact").matches("exact"))
        #expect(!NamePattern("exact").matches("exactly"))
        #expect(NamePattern("*").matches(""))
    }
}

@Suite struct RegionCatalogTests {
    @Test func unknownRegionIsRefused() throws {
        #expect(try RegionCatalog.standard.region("cn-hangzhou").id == "cn-hangzhou")
        #expect(throws: DomainError.invalidRegion("mars-1")) { try RegionCatalog.standard.region("mars-1") }
    }
}
