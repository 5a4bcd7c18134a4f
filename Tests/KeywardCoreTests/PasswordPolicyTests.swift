import KeywardCore
import Testing

@Suite struct PasswordPolicyTests {
    @Test(arguments: [
        "Abcdefg1",                          // upper, lower, digit; exactly 8
        "abcdefg1!",                         // lower, digit, special
        "ABCDEFG1!",                         // upper, digit, special
        "Abcdefgh!",                         // upper, lower, special
        "Aa()`~!@#$%^&*-_+=|{}[]:;'<>,.",   // every special but ?, / and "; no digit; 30 characters
        "Pass\"word?/1",                     // the double quote, ? and /
        "Aa1" + String(repeating: "x", count: 27),
    ])
    func passwordsFollowingTheRuleAreAccepted(password: String) throws {
        try PasswordPolicy.validate(password)
    }

    @Test(arguments: [
        "Abcde1!",                                   // 7 characters
        "Aa1!" + String(repeating: "x", count: 27),  // 31 characters
        "",
        "abcdefgh",                                  // one class
        "abcdefg1",                                  // two classes
        "ABCDEFG!",                                  // two classes
        "12345678!",                                 // two classes
        "Abcdef 1!",                                 // space
        "Abcdef\\1!",                                // backslash is not among the specials
        "Abcdef\t1!",                                // control character
        "Abcdef1!\n",                                // newline
        "Pässwort1!",                                // non-ASCII letter
        "Passwort1！",                                // full-width exclamation mark
        "密码Password1",                              // CJK
    ])
    func passwordsBreakingTheRuleAreRefused(password: String) {
        let error = #expect(throws: DomainError.self) { try PasswordPolicy.validate(password) }
        guard case .invalidPassword(let reason)? = error else {
            Issue.record("expected invalidPassword, got \(String(describing: error))")
            return
        }
        #expect(!reason.isEmpty)
    }

    @Test func theReasonNamesTheBrokenRuleWithoutQuotingThePassword() {
        #expect(throws: DomainError.invalidPassword(reason: "the password must be 8 to 30 characters long, not 7")) {
            try PasswordPolicy.validate("Abcde1!")
        }
        let error = #expect(throws: DomainError.self) { try PasswordPolicy.validate("Secret 99x") }
        guard case .invalidPassword(let reason)? = error else {
            Issue.record("expected invalidPassword, got \(String(describing: error))")
            return
        }
        #expect(!reason.contains("Secret"))
    }
}
