import Testing
@Test func hygienePlaceholder() {}
