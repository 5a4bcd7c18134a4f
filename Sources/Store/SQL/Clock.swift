import Foundation

enum Clock {
    static func nowSeconds() -> Int64 { Int64(Date().timeIntervalSince1970) }
}

extension Date {
    var epochSeconds: Int64 { Int64(timeIntervalSince1970.rounded(.down)) }
    init(epochSeconds: Int64) { self.init(timeIntervalSince1970: TimeInterval(epochSeconds)) }
}
