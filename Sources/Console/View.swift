/// What a template renders: text, flags, lists and objects, written as literals. Mustache escapes every `{{text}}`.
public indirect enum View: Sendable, Equatable {
    case text(String)
    case flag(Bool)
    case list([View])
    case object([String: View])

    /// The value as swift-mustache walks it.
    var mustacheValue: Any {
        switch self {
        case .text(let text): text
        case .flag(let flag): flag
        case .list(let items): items.map(\.mustacheValue)
        case .object(let members): members.mapValues(\.mustacheValue)
        }
    }

    /// The members of an object, empty for anything else.
    var members: [String: View] {
        if case .object(let members) = self { return members }
        return [:]
    }

    /// An object with `other`'s members added (they win).
    func merging(_ other: [String: View]) -> View {
        .object(members.merging(other) { _, new in new })
    }
}

extension View: ExpressibleByStringInterpolation {
    public init(stringLiteral value: String) { self = .text(value) }
}

extension View: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self = .flag(value) }
}

extension View: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: View...) { self = .list(elements) }
}

extension View: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, View)...) { self = .object(Dictionary(elements) { _, last in last }) }
}

extension Optional where Wrapped == String {
    /// The text, or nothing (a section that does not render).
    var view: View { map(View.text) ?? .flag(false) }
    /// The text, or empty (a form field's value).
    var value: View { .text(self ?? "") }
}
