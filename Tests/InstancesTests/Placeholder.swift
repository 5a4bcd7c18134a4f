import Testing
@Test func instancesPlaceholder() {}
